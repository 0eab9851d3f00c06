/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and the
/// optional token, `AWS_SECURITY_TOKEN` (botocore's older name, which it reads
/// first) or `AWS_SESSION_TOKEN`. A key without a secret is an error, as in
/// botocore; a secret without a key is ignored.
public struct EnvironmentCredentialProvider: CredentialProvider {
    public let name = "environment variables (AWS_ACCESS_KEY_ID)"
    let environment: Environment

    public init(environment: Environment = .process) {
        self.environment = environment
    }

    public func resolve() async throws(AWSClientError) -> AWSCredentials? {
        guard let key = environment["AWS_ACCESS_KEY_ID"] else { return nil }
        guard let secret = environment["AWS_SECRET_ACCESS_KEY"] else {
            throw .credentials(source: name, reason: "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        }
        let token = environment["AWS_SECURITY_TOKEN"] ?? environment["AWS_SESSION_TOKEN"]
        return AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token, method: CredentialMethod.environment)
    }
}
