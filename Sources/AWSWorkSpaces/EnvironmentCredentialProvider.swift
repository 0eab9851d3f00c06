#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and the
/// optional `AWS_SESSION_TOKEN`, read on every call so a changed environment
/// (in tests) is seen.
public struct EnvironmentCredentialProvider: CredentialProvider {
    public let name = "environment"
    let environment: @Sendable (String) -> String?

    /// `environment` looks a variable up; the process environment by default.
    public init(environment: (@Sendable (String) -> String?)? = nil) {
        self.environment = environment ?? { getenv($0).map { String(cString: $0) } }
    }

    public func credentials() async throws(AWSClientError) -> AWSCredentials {
        guard let key = environment("AWS_ACCESS_KEY_ID"), !key.isEmpty else {
            throw .credentials(source: name, reason: "AWS_ACCESS_KEY_ID is not set")
        }
        guard let secret = environment("AWS_SECRET_ACCESS_KEY"), !secret.isEmpty else {
            throw .credentials(source: name, reason: "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        }
        let token = environment("AWS_SESSION_TOKEN").flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token)
    }
}
