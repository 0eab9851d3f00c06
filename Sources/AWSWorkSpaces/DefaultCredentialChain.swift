public import AsyncHTTPClient

/// The SDKs' default credential chain, in their order, cached and refreshed:
/// environment, web identity, shared files, container, EC2 instance metadata;
/// optionally with a role assumed on top (`--aws.role-arn`).
public enum DefaultCredentialChain {
    /// Extra role to assume with the chain's credentials, for cross-account use.
    public struct Role: Sendable {
        public var arn: String
        public var externalId: String?
        public var sessionName: String?

        public init(arn: String, externalId: String? = nil, sessionName: String? = nil) {
            self.arn = arn
            self.externalId = externalId
            self.sessionName = sessionName
        }
    }

    public static func make(environment: Environment, httpClient: HTTPClient, sts: STSClient, role: Role? = nil) throws(AWSClientError) -> any CredentialProvider {
        var providers: [any CredentialProvider] = [EnvironmentCredentialProvider(environment: environment)]
        if let webIdentity = WebIdentityCredentialProvider.fromEnvironment(environment, sts: sts) {
            providers.append(webIdentity)
        }
        providers.append(ProfileCredentialProvider(environment: environment, sts: sts, httpClient: httpClient))
        if let container = try ContainerCredentialProvider.fromEnvironment(environment, httpClient: httpClient) {
            providers.append(container)
        }
        providers.append(InstanceMetadataCredentialProvider(client: InstanceMetadataClient(environment: environment, httpClient: httpClient)))
        let chain = CachingCredentialProvider(CredentialProviderChain(providers))
        guard let role else { return chain }
        let request = STSClient.RoleRequest(roleArn: role.arn, sessionName: role.sessionName ?? RoleSessionName.generated(), externalId: role.externalId)
        return CachingCredentialProvider(AssumeRoleCredentialProvider(role: request, source: chain, sts: sts))
    }
}
