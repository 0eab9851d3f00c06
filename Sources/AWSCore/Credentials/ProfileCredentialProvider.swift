public import HTTPClient
import Support

/// The part of the default chain that the shared files and the web-identity
/// variables describe, in botocore's order for the selected profile:
///
/// 1. `role_arn` without `web_identity_token_file`: AssumeRole with the
///    credentials of `source_profile` or `credential_source`;
/// 2. web identity: `web_identity_token_file` and `role_arn`, each from
///    `AWS_WEB_IDENTITY_TOKEN_FILE`/`AWS_ROLE_ARN` first, else the profile;
/// 3. IAM Identity Center (`sso_account_id`/`sso_role_name`, with an
///    `sso_session` or the legacy `sso_start_url`): ``SSOCredentialProvider``;
///    console (`login_session`) profiles are refused with the reason;
/// 4. keys in the credentials file;
/// 5. `credential_process`;
/// 6. keys in the config file.
///
/// A profile with none of these (only a region, say) contributes no
/// credentials, and the chain goes on to the container and instance-metadata
/// providers, as botocore's does. The files are read again on every resolve,
/// so the caching layer above decides how often that is.
public struct ProfileCredentialProvider: CredentialProvider {
    public let configuration: SharedConfiguration
    let environment: Environment
    let sts: STSClient
    let httpClient: HTTPClient
    /// How long a `credential_process` helper may run before its process group is killed.
    let processTimeout: Duration
    /// For `credential_source = Ec2InstanceMetadata`: the settings read at start-up.
    let instanceMetadata: InstanceMetadataSettings?

    public init(
        environment: Environment, sts: STSClient, httpClient: HTTPClient, processTimeout: Duration = .seconds(30),
        instanceMetadata: InstanceMetadataSettings? = nil
    ) {
        self.instanceMetadata = instanceMetadata
        self.configuration = SharedConfiguration(environment: environment)
        self.environment = environment
        self.sts = sts
        self.httpClient = httpClient
        self.processTimeout = processTimeout
    }

    public var name: String {
        "profile \"\(configuration.profile.bounded(maxBytes: 100))\" (role, web identity, keys or credential_process in \(configuration.configPath) or \(configuration.credentialsPath); AWS_WEB_IDENTITY_TOKEN_FILE)"
    }

    public func resolve() async throws(AWSClientError) -> AWSCredentials? {
        // Taken before reading, so that a change during the read is seen next time.
        let stamp = configuration.stamp()
        let files = try configuration.loadFiles()
        let profile = configuration.profile
        var visited = [profile]
        let chosen: (any CredentialProvider)?
        if Self.assumesRole(files.merged[profile] ?? [:]) {
            chosen = try assumeRole(profile, files: files, visited: &visited)
        } else {
            chosen = try profileProvider(profile, files: files, environmentToo: true)
        }
        guard let chosen, let credentials = try await chosen.resolve() else { return nil }
        // Long-term keys come from the files themselves: read them again when the files change.
        return chosen is StaticCredentialProvider ? credentials.stamped(stamp) : credentials
    }

    /// botocore's test for its assume-role provider: `role_arn` without a web identity token file.
    static func assumesRole(_ settings: [String: String]) -> Bool {
        settings["role_arn"] != nil && settings["web_identity_token_file"] == nil
    }

    /// Either key present, as botocore's `_has_static_credentials`.
    static func hasStaticCredentials(_ settings: [String: String]) -> Bool {
        settings["aws_access_key_id"] != nil || settings["aws_secret_access_key"] != nil
    }

    /// Steps 2–6 for `profile`: nil when none applies. `environmentToo` adds the
    /// web-identity variables (not for a `source_profile`, as in botocore).
    func profileProvider(_ profile: String, files: SharedConfiguration.Profiles, environmentToo: Bool) throws(AWSClientError) -> (any CredentialProvider)? {
        let settings = files.merged[profile] ?? [:]
        let source = "profile \"\(profile.bounded(maxBytes: 100))\""
        func setting(_ key: String, _ variable: String) -> String? {
            (environmentToo ? environment[variable] : nil) ?? settings[key]
        }
        if let tokenFile = setting("web_identity_token_file", "AWS_WEB_IDENTITY_TOKEN_FILE") {
            guard let roleArn = setting("role_arn", "AWS_ROLE_ARN") else {
                throw .credentials(source: source, reason: "a web identity token file is set but no role: set role_arn in the profile or AWS_ROLE_ARN")
            }
            return WebIdentityCredentialProvider(
                tokenFile: tokenFile, roleArn: roleArn, sessionName: setting("role_session_name", "AWS_ROLE_SESSION_NAME"), sts: sts)
        }
        // As botocore: a role name or account id makes it an SSO profile; the
        // other sso_* settings alone do not.
        if let sso = try SSOCredentialProvider.settings(profile: profile, files: files) {
            // FIPS and dual-stack as the profile (or the environment) asks, as botocore's nested clients.
            let lookup = AWSSettings.Lookup(environment: environment, profile: settings, named: profile)
            let client = try SSOClient(
                region: sso.region, environment: environment, http: httpClient,
                useFIPS: lookup.flag("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"),
                useDualStack: lookup.flag("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint"),
                // As the AWS calls: --aws.max-attempts, AWS_MAX_ATTEMPTS, the selected profile's max_attempts, the mode's default.
                maxAttempts: sts.retryPolicy.maxAttempts)
            return SSOCredentialProvider(settings: sso, cacheDirectory: "\(environment.home)/.aws/sso/cache", client: client)
        }
        if let keys = files.credentials[profile], keys["aws_access_key_id"] != nil {
            return try staticCredentials(keys, source: "\(source) in \(configuration.credentialsPath)", method: CredentialMethod.sharedCredentialsFile)
        }
        if settings["login_session"] != nil {
            throw .credentials(source: source, reason: "console login profiles (login_session) are not supported; use a role or keys")
        }
        if let command = settings["credential_process"] {
            return ProcessCredentialProvider(command: command, timeout: processTimeout)
        }
        if let keys = files.config[profile], keys["aws_access_key_id"] != nil {
            return try staticCredentials(keys, source: "\(source) in \(configuration.configPath)", method: CredentialMethod.configFile)
        }
        return nil
    }

    /// Step 1: AssumeRole of `profile`'s `role_arn`, with the credentials its
    /// `source_profile` (followed as botocore does) or `credential_source` gives.
    func assumeRole(_ profile: String, files: SharedConfiguration.Profiles, visited: inout [String]) throws(AWSClientError) -> any CredentialProvider {
        let settings = files.merged[profile] ?? [:]
        let source = "profile \"\(profile.bounded(maxBytes: 100))\""
        let roleArn = settings["role_arn"] ?? ""
        if settings["mfa_serial"] != nil {
            throw .credentials(source: source, reason: "mfa_serial needs a person to type a code; an exporter cannot")
        }
        let role = STSClient.RoleRequest(
            roleArn: roleArn,
            sessionName: settings["role_session_name"] ?? RoleSessionName.generated(),
            externalId: settings["external_id"],
            durationSeconds: settings["duration_seconds"].flatMap { Int($0) })
        let base: any CredentialProvider
        switch (settings["source_profile"], settings["credential_source"]) {
        case (.some, .some):
            throw .credentials(source: source, reason: "it has both source_profile and credential_source")
        case (nil, nil):
            throw .credentials(source: source, reason: "role_arn needs source_profile or credential_source")
        case let (nil, .some(credentialSource)):
            base = try namedSource(credentialSource, profile: profile)
        case let (.some(sourceProfile), nil):
            guard let sourceSettings = files.merged[sourceProfile] else {
                throw .credentials(source: source, reason: "its source_profile \"\(sourceProfile.bounded(maxBytes: 100))\" does not exist")
            }
            if visited.contains(sourceProfile), sourceProfile != profile || !Self.hasStaticCredentials(sourceSettings) {
                throw .credentials(source: source, reason: "source_profile loop: \((visited + [sourceProfile]).joined(separator: " -> ").bounded(maxBytes: 300))")
            }
            visited.append(sourceProfile)
            if Self.hasStaticCredentials(sourceSettings) || !Self.assumesRole(sourceSettings) {
                guard let provider = try profileProvider(sourceProfile, files: files, environmentToo: false) else {
                    throw .credentials(source: source, reason: "its source_profile \"\(sourceProfile.bounded(maxBytes: 100))\" has no credentials")
                }
                base = provider
            } else {
                base = try assumeRole(sourceProfile, files: files, visited: &visited)
            }
        }
        return AssumeRoleCredentialProvider(role: role, source: base, sts: sts)
    }

    /// `credential_source`: one of botocore's three canonical names.
    func namedSource(_ name: String, profile: String) throws(AWSClientError) -> any CredentialProvider {
        let source = "profile \"\(profile.bounded(maxBytes: 100))\""
        switch name {
        case "Environment":
            return EnvironmentCredentialProvider(environment: environment)
        case "Ec2InstanceMetadata":
            let client = instanceMetadata.map { InstanceMetadataClient(settings: $0, httpClient: httpClient) }
                ?? InstanceMetadataClient(environment: environment, httpClient: httpClient)
            return InstanceMetadataCredentialProvider(client: client)
        case "EcsContainer":
            guard let container = ContainerCredentialProvider.fromEnvironment(environment, httpClient: httpClient) else {
                throw .credentials(source: source, reason: "credential_source EcsContainer but no AWS_CONTAINER_CREDENTIALS_* variable is set")
            }
            return container
        default:
            throw .credentials(source: source, reason: "credential_source \"\(name.bounded(maxBytes: 100))\" is not Environment, Ec2InstanceMetadata or EcsContainer")
        }
    }

    /// Keys of one file's section; a key without its secret is an error.
    func staticCredentials(_ settings: [String: String], source: String, method: String) throws(AWSClientError) -> StaticCredentialProvider {
        guard let key = settings["aws_access_key_id"], !key.isEmpty else {
            throw .credentials(source: source, reason: "aws_access_key_id is empty")
        }
        guard let secret = settings["aws_secret_access_key"], !secret.isEmpty else {
            throw .credentials(source: source, reason: "aws_access_key_id without aws_secret_access_key")
        }
        let token = (settings["aws_security_token"] ?? settings["aws_session_token"]).flatMap { $0.isEmpty ? nil : $0 }
        return StaticCredentialProvider(AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token, method: method), name: source)
    }
}
