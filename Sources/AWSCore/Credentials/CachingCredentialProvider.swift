#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import Logging
import Support

/// Caches another provider's credentials and refreshes temporary ones at least
/// `refreshBefore` before they expire, and long-term keys read from files when
/// the files change. One refresh runs at a time: callers arriving during a
/// refresh wait for it instead of starting their own, so a burst of scrapes
/// makes one STS or IMDS call, not one each. While the cached credentials
/// still have more than ``mandatoryMargin`` to live, the refresh runs in the
/// background and callers get them at once (botocore's advisory refresh), so
/// a slow STS near expiry slows no scrape.
///
/// Bounds: a caller waits for a refresh at most `refreshTimeout` from its
/// start, and a refresh still running past that is cancelled and started
/// again, so one hung refresh cannot block every later scrape. Temporary
/// credentials from the network whose expiry is missing or unreadable are
/// kept `unknownExpiryLifetime` at most, never for ever.
public actor CachingCredentialProvider: CredentialProvider {
    let base: any CredentialProvider
    let refreshBefore: Double
    let refreshTimeout: Duration
    let unknownExpiryLifetime: Double
    let now: @Sendable () -> Double
    let logger: Logger
    private var cached: AWSCredentials?
    /// When `cached` must be fetched again although it has no expiry of its own.
    private var cachedUntil: Double?
    private var refreshing: (task: Task<AWSCredentials?, any Error>, started: ContinuousClock.Instant)?
    /// When `cached` was fetched, in Unix seconds.
    private var fetchedAt: Double = 0
    /// Under this much life left, callers wait for the refresh.
    static let mandatoryMargin: Double = 60

    /// `now` gives the current Unix time; the system clock by default.
    public init(
        _ base: any CredentialProvider, refreshBefore: Duration = .seconds(300), refreshTimeout: Duration = .seconds(30),
        unknownExpiryLifetime: Duration = .seconds(900), now: (@Sendable () -> Double)? = nil, logger: Logger = Logger(label: "aws")
    ) {
        self.base = base
        self.refreshBefore = refreshBefore / .seconds(1)
        self.refreshTimeout = refreshTimeout
        self.unknownExpiryLifetime = unknownExpiryLifetime / .seconds(1)
        self.now = now ?? { Date().timeIntervalSince1970 }
        self.logger = logger
    }

    public nonisolated var name: String { base.name }

    /// Methods whose credentials are temporary: without an expiry they are
    /// kept a bounded time. (Keys from the environment or files are long-term.)
    static let temporaryMethods: Set<String> = [
        CredentialMethod.assumeRole, CredentialMethod.webIdentity, CredentialMethod.container, CredentialMethod.instanceMetadata,
        CredentialMethod.sso,
    ]

    public func resolve() async throws(AWSClientError) -> AWSCredentials? {
        if let cached, !needsRefresh(cached) { return cached }
        if let cached, advisoryOnly(cached) {
            if refreshing == nil { Task { _ = try? await self.refreshed() } }
            return cached
        }
        return try await refreshed()
    }

    /// Whether `credentials` may still be handed out while a refresh runs.
    func advisoryOnly(_ credentials: AWSCredentials) -> Bool {
        if let stamp = credentials.fileStamp, !stamp.isCurrent { return false }
        if let cachedUntil, cachedUntil <= now() { return false }
        guard let expiration = credentials.expiration else { return false }
        return expiration - now() > Self.mandatoryMargin
    }

    /// Starts a refresh, or joins the one running, and waits for it (up to its deadline).
    private func refreshed() async throws(AWSClientError) -> AWSCredentials? {
        let clock = ContinuousClock()
        if let running = refreshing, running.started.duration(to: clock.now) >= refreshTimeout {
            running.task.cancel()
            refreshing = nil
            logger.warning("a credential refresh ran past its deadline; cancelled, starting another", metadata: [
                "source": "\(base.name)", "deadline": "\(refreshTimeout)",
            ])
        }
        let current: (task: Task<AWSCredentials?, any Error>, started: ContinuousClock.Instant)
        if let running = refreshing {
            current = running
        } else {
            let base = self.base
            current = (Task { try await base.resolve() }, clock.now)
            refreshing = current
        }
        let task = current.task
        let outcome = await DeadlineRace.run(until: current.started.advanced(by: refreshTimeout)) { await task.result }
        guard let outcome else {
            // Past its deadline (not merely this caller cancelled): the
            // refresh is given up here, so the next caller starts another
            // whatever two clocks say about the exact instant.
            if !Task.isCancelled, refreshing?.task == task {
                task.cancel()
                refreshing = nil
                logger.warning("a credential refresh ran past its deadline; cancelled, the next caller starts another", metadata: [
                    "source": "\(base.name)", "deadline": "\(refreshTimeout)",
                ])
            }
            if let cached, let expiration = cached.expiration, expiration > now() { return cached }
            throw .credentials(source: base.name, reason: "refreshing the credentials did not finish within \(refreshTimeout)")
        }
        do {
            let fresh = try outcome.get()
            if refreshing?.task == task {
                refreshing = nil
                if let fresh {
                    logger.debug("credentials refreshed", metadata: [
                        "source": "\(base.name)", "method": "\(fresh.method)", "access_key_id": "\(fresh.maskedAccessKeyId)",
                        "expires": "\(fresh.expiration.map { "\(Int($0))" } ?? "never")",
                    ])
                }
            }
            // A source that vanished (IMDS unreachable) keeps unexpired credentials too.
            if fresh == nil, let cached, let expiration = cached.expiration, expiration > now() { return cached }
            cached = fresh
            fetchedAt = now()
            cachedUntil = fresh.flatMap { $0.expiration == nil && Self.temporaryMethods.contains($0.method) ? now() + unknownExpiryLifetime : nil }
            return fresh
        } catch {
            if refreshing?.task == task { refreshing = nil }
            // A failed refresh keeps credentials that have not yet expired.
            if let cached, let expiration = cached.expiration, expiration > now() {
                logger.debug("credential refresh failed; keeping unexpired credentials", metadata: ["source": "\(base.name)", "err": "\(error)"])
                return cached
            }
            if let error = error as? AWSClientError { throw error }
            throw .credentials(source: base.name, reason: "\(error)")
        }
    }

    /// Drops the cached credentials when AWS refused exactly them (and they
    /// are old enough), so that the next resolve fetches new ones. The
    /// sources below are shared with other targets and keep theirs.
    public func invalidate(accessKeyId: String, minimumAge: Double) async -> Bool {
        guard let cached, cached.accessKeyId == accessKeyId, now() - fetchedAt >= minimumAge else { return false }
        self.cached = nil
        cachedUntil = nil
        logger.debug("dropped cached credentials AWS refused", metadata: ["source": "\(base.name)", "access_key_id": "\(cached.maskedAccessKeyId)"])
        return true
    }

    func needsRefresh(_ credentials: AWSCredentials) -> Bool {
        if let stamp = credentials.fileStamp, !stamp.isCurrent { return true }
        if let cachedUntil, cachedUntil <= now() { return true }
        guard let expiration = credentials.expiration else { return false }
        return expiration - refreshBefore <= now()
    }
}
