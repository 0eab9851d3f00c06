/// `AssumeRole` on top of other credentials: `--aws.role-arn`, or a profile's
/// `role_arn` with `source_profile` or `credential_source`.
public struct AssumeRoleCredentialProvider: CredentialProvider {
    public let role: STSClient.RoleRequest
    let source: any CredentialProvider
    let sts: STSClient

    public init(role: STSClient.RoleRequest, source: any CredentialProvider, sts: STSClient) {
        self.role = role
        self.source = source
        self.sts = sts
    }

    public var name: String { "assume role \(role.roleArn) from \(source.name)" }

    public func resolve() async throws(AWSClientError) -> AWSCredentials? {
        let base = try await source.credentials()
        return try await sts.assumeRole(role, using: base).from(CredentialMethod.assumeRole)
    }
}
