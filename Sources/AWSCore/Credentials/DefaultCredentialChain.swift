public import HTTPClient
public import Logging

/// botocore's default credential chain, in its order, cached and refreshed:
/// the environment's keys; the selected profile's role, web identity (also
/// from `AWS_WEB_IDENTITY_TOKEN_FILE`), keys or `credential_process`
/// (``ProfileCredentialProvider``); the container endpoint; EC2 instance
/// metadata. A profile that `AWS_PROFILE` names must exist, and unreadable
/// shared files are an error, before any source is tried, as in botocore.
/// `Tests/Fixtures/credential_oracle.py` compares it with botocore.
public enum DefaultCredentialChain {
    /// A role to assume with the chain's credentials, for cross-account use.
    public struct Role: Sendable, Hashable {
        public var arn: String
        public var externalId: String?
        public var sessionName: String?

        public init(arn: String, externalId: String? = nil, sessionName: String? = nil) {
            self.arn = arn
            self.externalId = externalId
            self.sessionName = sessionName
        }
    }

    /// - Parameters:
    ///   - processTimeout: how long a `credential_process` helper may run.
    ///   - instanceMetadata: where and how instance metadata is reached, as
    ///     read at start-up (``AWSSettings``); nil reads the environment and profile now.
    public static func make(
        environment: Environment, httpClient: HTTPClient, sts: STSClient, processTimeout: Duration = .seconds(30),
        instanceMetadata: InstanceMetadataSettings? = nil, logger: Logger = Logger(label: "aws")
    ) -> any CredentialProvider {
        let metadata = instanceMetadata ?? ((try? InstanceMetadataSettings.resolve(environment: environment)) ?? InstanceMetadataSettings())
        let profiles = ProfileCredentialProvider(
            environment: environment, sts: sts, httpClient: httpClient, processTimeout: processTimeout, instanceMetadata: metadata)
        var providers: [any CredentialProvider] = [EnvironmentCredentialProvider(environment: environment), profiles]
        if let container = ContainerCredentialProvider.fromEnvironment(environment, httpClient: httpClient) {
            providers.append(container)
        }
        providers.append(InstanceMetadataCredentialProvider(client: InstanceMetadataClient(settings: metadata, httpClient: httpClient)))
        let configuration = profiles.configuration
        // A refresh may take as long as a credential helper may, and STS after it.
        return CachingCredentialProvider(
            CredentialProviderChain(providers, check: { () throws(AWSClientError) in try configuration.checkSelectedProfile() }),
            refreshTimeout: processTimeout + .seconds(15), logger: logger)
    }

    /// `role` assumed with `source`'s credentials, cached and refreshed on its own.
    /// - Parameter refreshTimeout: how long one refresh may take: the source's own refresh, then STS.
    public static func assuming(
        _ role: Role, from source: any CredentialProvider, sts: STSClient, refreshTimeout: Duration = .seconds(60), logger: Logger = Logger(label: "aws")
    ) -> any CredentialProvider {
        let request = STSClient.RoleRequest(roleArn: role.arn, sessionName: role.sessionName ?? RoleSessionName.generated(), externalId: role.externalId)
        return CachingCredentialProvider(AssumeRoleCredentialProvider(role: request, source: source, sts: sts), refreshTimeout: refreshTimeout, logger: logger)
    }
}
