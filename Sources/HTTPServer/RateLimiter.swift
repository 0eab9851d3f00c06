import Support
import Synchronization

/// exporter-toolkit's `rate_limit`: one token bucket over every request
/// (golang.org/x/time/rate), refilled at one token per `interval` up to
/// `burst`, full at start. A request that finds it empty is answered
/// 429 Too Many Requests before anything else runs, basic authentication
/// included, as the toolkit does.
public final class RateLimiter: HTTPMiddleware {
    /// The section as read from the file.
    public struct Settings: Sendable, Equatable {
        /// Time for one token; positive (zero turns the limiter off, which the loader makes nil).
        public let interval: Duration
        /// Tokens the bucket holds; 0 refuses every request, as in Go.
        public let burst: Int

        public init(interval: Duration, burst: Int) {
            self.interval = interval
            self.burst = burst
        }
    }

    let settings: Settings
    private let bucket: Locked<(tokens: Double, last: ContinuousClock.Instant)>

    init(_ settings: Settings, now: ContinuousClock.Instant = ContinuousClock.now) {
        self.settings = settings
        bucket = Locked((Double(settings.burst), now))
    }

    /// Takes a token if there is one, as `rate.Limiter.Allow` does; `now` for tests.
    func allow(now: ContinuousClock.Instant = ContinuousClock.now) -> Bool {
        // Tokens per second; the interval is positive and at most Go's ~292 years.
        let interval = settings.interval
        let perSecond = 1 / (Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
        return bucket.withLock { bucket in
            let elapsed = now - bucket.last
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(Double(settings.burst), bucket.tokens + max(0, seconds) * perSecond)
            // A request that read the time before another one took the lock
            // must not move the bucket's time back (and count that time twice).
            bucket.last = max(bucket.last, now)
            guard bucket.tokens >= 1 else { return false }
            bucket.tokens -= 1
            return true
        }
    }

    public func respond(to request: HTTPRequest, next: @Sendable (HTTPRequest) async -> HTTPResponse) async -> HTTPResponse {
        guard allow() else { return .text(429, "Too Many Requests") }
        return await next(request)
    }
}
