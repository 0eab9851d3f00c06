/// A source of AWS credentials (environment, profile, container, IMDS, …).
public protocol CredentialProvider: Sendable {
    /// A short name for logs, such as `environment`.
    var name: String { get }
    /// Current credentials, or an error naming the source and what to fix.
    func credentials() async throws(AWSClientError) -> AWSCredentials
}
