public import HTTPClient
public import Logging

/// The SDKs' default credential chain, in their order, cached and refreshed:
/// environment, web identity, shared files, container, EC2 instance metadata.
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

    /// - Parameter processTimeout: how long a `credential_process` helper may run.
    public static func make(
        environment: Environment, httpClient: HTTPClient, sts: STSClient, processTimeout: Duration = .seconds(30),
        logger: Logger = Logger(label: "aws")
    ) -> any CredentialProvider {
        var providers: [any CredentialProvider] = [EnvironmentCredentialProvider(environment: environment)]
        if let webIdentity = WebIdentityCredentialProvider.fromEnvironment(environment, sts: sts) {
            providers.append(webIdentity)
        }
        providers.append(ProfileCredentialProvider(environment: environment, sts: sts, httpClient: httpClient, processTimeout: processTimeout))
        if let container = ContainerCredentialProvider.fromEnvironment(environment, httpClient: httpClient) {
            providers.append(container)
        }
        providers.append(InstanceMetadataCredentialProvider(client: InstanceMetadataClient(environment: environment, httpClient: httpClient)))
        return CachingCredentialProvider(CredentialProviderChain(providers), logger: logger)
    }

    /// `role` assumed with `source`'s credentials, cached and refreshed on its own.
    public static func assuming(_ role: Role, from source: any CredentialProvider, sts: STSClient, logger: Logger = Logger(label: "aws")) -> any CredentialProvider {
        let request = STSClient.RoleRequest(roleArn: role.arn, sessionName: role.sessionName ?? RoleSessionName.generated(), externalId: role.externalId)
        return CachingCredentialProvider(AssumeRoleCredentialProvider(role: request, source: source, sts: sts), logger: logger)
    }
}
