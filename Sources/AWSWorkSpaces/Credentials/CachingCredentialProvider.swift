#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import Logging

/// Caches another provider's credentials and refreshes temporary ones at least
/// `refreshBefore` before they expire, and long-term keys read from files when
/// the files change. One refresh runs at a time: callers arriving during a
/// refresh wait for it instead of starting their own, so a burst of scrapes
/// makes one STS or IMDS call, not one each.
public actor CachingCredentialProvider: CredentialProvider {
    let base: any CredentialProvider
    let refreshBefore: Double
    let now: @Sendable () -> Double
    let logger: Logger
    private var cached: AWSCredentials?
    private var refreshing: Task<AWSCredentials?, any Error>?

    /// `now` gives the current Unix time; the system clock by default.
    public init(_ base: any CredentialProvider, refreshBefore: Duration = .seconds(300), now: (@Sendable () -> Double)? = nil, logger: Logger = Logger(label: "aws")) {
        self.base = base
        self.refreshBefore = refreshBefore / .seconds(1)
        self.now = now ?? { Date().timeIntervalSince1970 }
        self.logger = logger
    }

    public nonisolated var name: String { base.name }

    public func resolve() async throws(AWSClientError) -> AWSCredentials? {
        if let cached, !needsRefresh(cached) { return cached }
        let task: Task<AWSCredentials?, any Error>
        if let running = refreshing {
            task = running
        } else {
            let base = self.base
            task = Task { try await base.resolve() }
            refreshing = task
        }
        do {
            let fresh = try await task.value
            if refreshing == task {
                refreshing = nil
                if let fresh {
                    logger.debug("credentials refreshed", metadata: [
                        "source": "\(base.name)", "access_key_id": "\(fresh.accessKeyId)",
                        "expires": "\(fresh.expiration.map { "\(Int($0))" } ?? "never")",
                    ])
                }
            }
            // A source that vanished (IMDS unreachable) keeps unexpired credentials too.
            if fresh == nil, let cached, let expiration = cached.expiration, expiration > now() { return cached }
            cached = fresh
            return fresh
        } catch {
            if refreshing == task { refreshing = nil }
            // A failed refresh keeps credentials that have not yet expired.
            if let cached, let expiration = cached.expiration, expiration > now() {
                logger.debug("credential refresh failed; keeping unexpired credentials", metadata: ["source": "\(base.name)", "err": "\(error)"])
                return cached
            }
            if let error = error as? AWSClientError { throw error }
            throw .credentials(source: base.name, reason: "\(error)")
        }
    }

    func needsRefresh(_ credentials: AWSCredentials) -> Bool {
        if let stamp = credentials.fileStamp, !stamp.isCurrent { return true }
        guard let expiration = credentials.expiration else { return false }
        return expiration - refreshBefore <= now()
    }
}
