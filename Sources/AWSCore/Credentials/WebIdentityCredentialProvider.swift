import Support

/// `AssumeRoleWithWebIdentity` with a token read from a file on every refresh
/// (EKS IRSA rotates it). Configured by `AWS_WEB_IDENTITY_TOKEN_FILE` and
/// `AWS_ROLE_ARN` (+ `AWS_ROLE_SESSION_NAME`), or by a profile.
public struct WebIdentityCredentialProvider: CredentialProvider {
    public let tokenFile: String
    public let roleArn: String
    public let sessionName: String
    let sts: STSClient

    public init(tokenFile: String, roleArn: String, sessionName: String?, sts: STSClient) {
        self.tokenFile = tokenFile
        self.roleArn = roleArn
        self.sessionName = sessionName ?? RoleSessionName.generated()
        self.sts = sts
    }

    /// From `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`; nil when they are unset.
    public static func fromEnvironment(_ environment: Environment, sts: STSClient) -> WebIdentityCredentialProvider? {
        guard let file = environment["AWS_WEB_IDENTITY_TOKEN_FILE"], let role = environment["AWS_ROLE_ARN"] else { return nil }
        return WebIdentityCredentialProvider(tokenFile: file, roleArn: role, sessionName: environment["AWS_ROLE_SESSION_NAME"], sts: sts)
    }

    public var name: String { "web identity (\(tokenFile))" }

    public func resolve() async throws(AWSClientError) -> AWSCredentials? {
        let token: String
        do {
            token = try FileContents.text(tokenFile, maxBytes: 64 * 1024).trimmingWhitespaceAndNewlines()
        } catch {
            throw .credentials(source: name, reason: "\(error)")
        }
        guard !token.isEmpty else { throw .credentials(source: name, reason: "the token file is empty") }
        return try await sts.assumeRoleWithWebIdentity(.init(roleArn: roleArn, sessionName: sessionName), token: token)
            .from(CredentialMethod.webIdentity)
    }
}
