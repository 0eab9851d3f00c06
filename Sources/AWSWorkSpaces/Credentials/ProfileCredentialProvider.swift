public import HTTPClient

/// Credentials from the shared files' profile (`AWS_PROFILE`, else `default`):
/// static keys and session tokens; `role_arn` with `source_profile` (chained)
/// or `credential_source`; `role_arn` with `web_identity_token_file`; and
/// `credential_process`. The files are read again on every resolve, so the
/// caching layer above decides how often that is.
public struct ProfileCredentialProvider: CredentialProvider {
    public let configuration: SharedConfiguration
    let environment: Environment
    let sts: STSClient
    let httpClient: HTTPClient
    /// How long a `credential_process` helper may run before its process group is killed.
    let processTimeout: Duration

    public init(environment: Environment, sts: STSClient, httpClient: HTTPClient, processTimeout: Duration = .seconds(30)) {
        self.configuration = SharedConfiguration(environment: environment)
        self.environment = environment
        self.sts = sts
        self.httpClient = httpClient
        self.processTimeout = processTimeout
    }

    public var name: String { "shared files, profile \"\(configuration.profile)\"" }

    public func resolve() async throws(AWSClientError) -> AWSCredentials? {
        // Taken before reading, so that a change during the read is seen next time.
        let stamp = configuration.stamp()
        let profiles = try configuration.load()
        guard profiles[configuration.profile] != nil else {
            if configuration.profileExplicit {
                throw .credentials(source: name, reason: "no such profile in \(configuration.configPath) or \(configuration.credentialsPath)")
            }
            return nil
        }
        let provider = try provider(for: configuration.profile, in: profiles, visited: [])
        guard let credentials = try await provider.resolve() else { return nil }
        // Long-term keys come from the files themselves: read them again when the files change.
        return provider is StaticCredentialProvider ? credentials.stamped(stamp) : credentials
    }

    /// The provider a profile describes, following `source_profile` links.
    func provider(for profile: String, in profiles: [String: [String: String]], visited: [String]) throws(AWSClientError) -> any CredentialProvider {
        let source = "profile \"\(profile)\""
        guard let settings = profiles[profile] else {
            throw .credentials(source: visited.last.map { "profile \"\($0)\"" } ?? source, reason: "source_profile \"\(profile)\" does not exist")
        }
        if visited.contains(profile) {
            throw .credentials(source: source, reason: "source_profile loop: \((visited + [profile]).joined(separator: " -> "))")
        }
        if let roleArn = settings["role_arn"] {
            let role = STSClient.RoleRequest(
                roleArn: roleArn,
                sessionName: settings["role_session_name"] ?? RoleSessionName.generated(),
                externalId: settings["external_id"],
                durationSeconds: settings["duration_seconds"].flatMap(Int.init))
            if let tokenFile = settings["web_identity_token_file"] {
                return WebIdentityCredentialProvider(tokenFile: tokenFile, roleArn: roleArn, sessionName: role.sessionName, sts: sts)
            }
            let base: any CredentialProvider
            if let sourceProfile = settings["source_profile"] {
                if sourceProfile == profile {
                    base = try staticCredentials(settings, source: source)
                } else {
                    base = try provider(for: sourceProfile, in: profiles, visited: visited + [profile])
                }
            } else if let credentialSource = settings["credential_source"] {
                switch credentialSource {
                case "Environment":
                    base = EnvironmentCredentialProvider(environment: environment)
                case "Ec2InstanceMetadata":
                    base = InstanceMetadataCredentialProvider(client: InstanceMetadataClient(environment: environment, httpClient: httpClient))
                case "EcsContainer":
                    guard let container = ContainerCredentialProvider.fromEnvironment(environment, httpClient: httpClient) else {
                        throw .credentials(source: source, reason: "credential_source EcsContainer but no AWS_CONTAINER_CREDENTIALS_* variable is set")
                    }
                    base = container
                default:
                    throw .credentials(source: source, reason: "credential_source \"\(credentialSource)\" is not Environment, Ec2InstanceMetadata or EcsContainer")
                }
            } else {
                throw .credentials(source: source, reason: "role_arn needs source_profile, credential_source or web_identity_token_file")
            }
            return AssumeRoleCredentialProvider(role: role, source: base, sts: sts)
        }
        if let command = settings["credential_process"] {
            return ProcessCredentialProvider(command: command, timeout: processTimeout)
        }
        return try staticCredentials(settings, source: source)
    }

    func staticCredentials(_ settings: [String: String], source: String) throws(AWSClientError) -> StaticCredentialProvider {
        guard let key = settings["aws_access_key_id"], !key.isEmpty else {
            throw .credentials(source: source, reason: "no aws_access_key_id, role_arn or credential_process")
        }
        guard let secret = settings["aws_secret_access_key"], !secret.isEmpty else {
            throw .credentials(source: source, reason: "aws_access_key_id without aws_secret_access_key")
        }
        let token = settings["aws_session_token"].flatMap { $0.isEmpty ? nil : $0 }
        return StaticCredentialProvider(AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token), name: source)
    }
}
