import Support
import Synchronization

/// Tries providers in order, like the SDKs' default chain: the first that is
/// configured answers. A configured provider that fails stops the chain with
/// its error rather than falling through to a surprising identity. Once a
/// provider answered, it is asked first from then on, so IMDS is not probed
/// on every refresh when the environment holds the keys.
public final class CredentialProviderChain: CredentialProvider {
    public let providers: [any CredentialProvider]
    /// Runs before any provider, on every resolve; its error ends the chain.
    let check: (@Sendable () throws(AWSClientError) -> Void)?
    private let preferred = Locked<Int?>(nil)

    public init(_ providers: [any CredentialProvider], check: (@Sendable () throws(AWSClientError) -> Void)? = nil) {
        self.providers = providers
        self.check = check
    }

    public var name: String { "credential chain" }

    public func resolve() async throws(AWSClientError) -> AWSCredentials? {
        try check?()
        if let index = preferred.withLock({ $0 }), let credentials = try await providers[index].resolve() {
            return credentials
        }
        for (index, provider) in providers.enumerated() {
            if let credentials = try await provider.resolve() {
                preferred.withLock { $0 = index }
                return credentials
            }
        }
        throw .credentials(
            source: name,
            reason: "no credentials found; tried, in order: " + providers.enumerated().map { "\($0.offset + 1). \($0.element.name)" }.joined(separator: "; "))
    }
}
