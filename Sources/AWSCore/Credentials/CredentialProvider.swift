/// A source of AWS credentials: the environment, a web identity token, the
/// shared files, a container endpoint, EC2 instance metadata, an assumed role.
public protocol CredentialProvider: Sendable {
    /// A short name for logs, such as `environment` or `profile "ci"`.
    var name: String { get }
    /// Credentials from this source; nil when the source is not configured
    /// here (the chain then tries the next); an error when it is configured but
    /// fails, naming what to fix.
    func resolve() async throws(AWSClientError) -> AWSCredentials?
    /// Forgets cached credentials that AWS called expired or invalid
    /// (`ExpiredToken`, `InvalidClientTokenId`): only when `accessKeyId` is
    /// still the cached one and was fetched at least `minimumAge` seconds ago.
    /// True when they were dropped (then a retry has a chance).
    func invalidate(accessKeyId: String, minimumAge: Double) async -> Bool
}

extension CredentialProvider {
    /// Nothing cached: nothing to forget.
    public func invalidate(accessKeyId: String, minimumAge: Double) async -> Bool { false }
}

extension CredentialProvider {
    /// Credentials, or an error when this source has none.
    public func credentials() async throws(AWSClientError) -> AWSCredentials {
        guard let credentials = try await resolve() else {
            throw .credentials(source: name, reason: "not configured")
        }
        return credentials
    }
}
