/// One target's API budget (`--collector.min-interval`, 30 s by default): how
/// often its collections may start, whoever asks. Pure: the caller passes the
/// time, so tests drive it without a clock.
///
/// - A successful collection is reused by every scrape and probe until it is
///   `interval` old (counted from its start), less a tolerance of a tenth of the
///   interval (at most 1 s) so that a Prometheus scraping exactly every
///   `interval` is not served its previous scrape's data because its request
///   came a few milliseconds early.
/// - Starting a collection takes a token from a bucket of two that gains one
///   token per reuse window. So a failed collection is not reused: the next scrape
///   may retry at once, but persistent failures cost at most two collections in
///   the first interval and one per interval after that, however many clients ask.
/// - A zero interval turns both off: a collection per scrape (concurrent
///   scrapes still share the one in flight).
struct CollectionPacer: Sendable {
    static let capacity = 2.0

    let interval: Duration
    private var tokens = Self.capacity
    private var updated: ContinuousClock.Instant?

    init(interval: Duration) {
        self.interval = interval
    }

    /// How young a successful collection must be, from its start, to be reused.
    var reuseWindow: Duration {
        guard interval > .zero else { return .zero }
        return interval - min(interval / 10, .seconds(1))
    }

    /// Whether a success that started at `started` is reused at `now`.
    func reuses(successStartedAt started: ContinuousClock.Instant, now: ContinuousClock.Instant) -> Bool {
        interval > .zero && started.duration(to: now) < reuseWindow
    }

    /// Whether a collection could start at `now` (a token is there), without
    /// taking one. Tokens are only taken by starts, so once true it stays
    /// true until the next start.
    func hasToken(at now: ContinuousClock.Instant) -> Bool {
        guard interval > .zero, let updated else { return true }
        return min(Self.capacity, tokens + max(0, updated.duration(to: now) / reuseWindow)) >= 1
    }

    /// Takes a token to start a collection at `now`; false when none is left.
    mutating func start(at now: ContinuousClock.Instant) -> Bool {
        guard interval > .zero else { return true }
        if let updated {
            let gained = max(0, updated.duration(to: now) / reuseWindow)
            tokens = min(Self.capacity, tokens + gained)
        }
        updated = now
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
