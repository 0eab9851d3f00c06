#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Support
import Synchronization

/// The client-side rate limiter of the SDKs' `adaptive` retry mode, with
/// botocore's constants: it does nothing until the first throttling answer;
/// from then on every request takes a token from a bucket whose fill rate
/// follows CUBIC: cut to 70 % of the measured sending rate at each throttling
/// answer, grown back along a cubic curve with each success, never above
/// twice the measured rate nor below half a request per second.
///
/// One limiter per client (service, region and credentials), as each SDK
/// client has its own. Requests that find the bucket empty queue in order
/// (``enqueue(now:)``) and wait with `Task.sleep`, never a blocked thread;
/// each waiter looks again (``wait(_:now:)``) when it wakes, so a rate that
/// changed meanwhile, or a request ahead that gave up, applies to the wait
/// as botocore's bucket recomputes it. A request whose wait would pass its
/// deadline is not sent.
/// `Tests/Fixtures/adaptive_oracle.py` replays the same events through
/// botocore's classes and compares the rates.
public final class AdaptiveRateLimiter: Sendable {
    /// Seconds on some monotonic clock; tests pass their own.
    public typealias Seconds = Double

    static let beta = 0.7
    static let scaleConstant = 0.4
    static let smoothing = 0.8
    static let bucketsPerSecond = 2.0
    static let minFillRate = 0.5
    static let maxRateAdjustScale = 2.0

    struct State {
        // Token bucket.
        var fillRate = 1.0
        var maxCapacity = 1.0
        var capacity = 0.0
        var lastRefill: Seconds?
        var enabled = false
        // Measured sending rate, in half-second buckets.
        var measuredRate = 0.0
        var lastBucket: Seconds
        var count = 0.0
        // CUBIC.
        var wMax = 0.0
        var k = 0.0
        var lastFail: Seconds
        // Requests waiting for a token, first come first served.
        var queue: [UInt64] = []
        var nextPlace: UInt64 = 0

        init(now: Seconds) {
            lastBucket = now.rounded(.down)
            lastFail = now
            lastRefill = now
        }

        mutating func refill(_ now: Seconds) {
            guard let last = lastRefill else {
                lastRefill = now
                return
            }
            capacity = min(maxCapacity, capacity + max(0, now - last) * fillRate)
            lastRefill = now
        }

        mutating func setMaxRate(_ value: Double, now: Seconds) {
            refill(now)
            fillRate = max(value, AdaptiveRateLimiter.minFillRate)
            maxCapacity = value >= 1 ? value : 1
            capacity = min(capacity, maxCapacity)
        }

        mutating func recordSend(_ now: Seconds) -> Double {
            let bucket = (now * AdaptiveRateLimiter.bucketsPerSecond).rounded(.down) / AdaptiveRateLimiter.bucketsPerSecond
            count += 1
            if bucket > lastBucket {
                let current = count / (bucket - lastBucket)
                measuredRate = current * AdaptiveRateLimiter.smoothing + measuredRate * (1 - AdaptiveRateLimiter.smoothing)
                count = 0
                lastBucket = bucket
            }
            return measuredRate
        }

        mutating func zeroPoint() {
            let scaled = wMax * (1 - AdaptiveRateLimiter.beta) / AdaptiveRateLimiter.scaleConstant
            k = scaled > 0 ? cbrt(scaled) : 0
        }
    }

    private let state: Locked<State>

    public init(now: Seconds = AdaptiveRateLimiter.monotonicNow()) {
        state = Locked(State(now: now))
    }

    /// Seconds of the process's monotonic clock.
    public static func monotonicNow() -> Seconds {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
    private static let start = ContinuousClock.now

    /// Takes a token for one request at once, or queues it: nil when the
    /// token was taken (always, until the first throttling answer), else
    /// the request's place in the queue, for ``wait(_:now:)``.
    public func enqueue(now: Seconds = AdaptiveRateLimiter.monotonicNow()) -> UInt64? {
        state.withLock { state in
            guard state.enabled else { return nil }
            state.refill(now)
            if state.queue.isEmpty, state.capacity >= 1 {
                state.capacity -= 1
                return nil
            }
            state.nextPlace += 1
            state.queue.append(state.nextPlace)
            return state.nextPlace
        }
    }

    /// For a queued request: 0 when its token is taken now (it leaves the
    /// queue), else the seconds still to wait at the current rate, counting
    /// the tokens the requests ahead of it take first.
    public func wait(_ place: UInt64, now: Seconds = AdaptiveRateLimiter.monotonicNow()) -> Double {
        state.withLock { state in
            // A place not queued (already served or left) waits no more.
            guard let position = state.queue.firstIndex(of: place) else { return 0 }
            state.refill(now)
            // Enough for it and for each request ahead of it (less a rounding
            // error, so that sleeping the wait given is enough).
            let needed = Double(position + 1)
            if state.capacity >= needed - 1e-9 {
                state.capacity -= 1
                state.queue.remove(at: position)
                return 0
            }
            return (needed - state.capacity) / state.fillRate
        }
    }

    /// A queued request that gives up (deadline, cancellation) leaves the
    /// queue; those behind it move up.
    public func leave(_ place: UInt64) {
        state.withLock { state in
            if let position = state.queue.firstIndex(of: place) { state.queue.remove(at: position) }
        }
    }

    /// Gives back a token taken for a request that was not sent.
    public func giveBack() {
        state.withLock { state in
            guard state.enabled else { return }
            state.capacity = min(state.maxCapacity, state.capacity + 1)
        }
    }

    /// Records an answer (`throttled` when AWS said to slow down) and
    /// returns the new sending rate, requests per second.
    @discardableResult
    public func responseReceived(throttled: Bool, now: Seconds = AdaptiveRateLimiter.monotonicNow()) -> Double {
        state.withLock { state in
            let measured = state.recordSend(now)
            let newRate: Double
            if throttled {
                let rateToUse = state.enabled ? min(measured, state.fillRate) : measured
                state.wMax = rateToUse
                state.zeroPoint()
                state.lastFail = now
                newRate = rateToUse * Self.beta
                state.enabled = true
            } else {
                let dt = now - state.lastFail - state.k
                newRate = Self.scaleConstant * dt * dt * dt + state.wMax
            }
            state.setMaxRate(min(newRate, Self.maxRateAdjustScale * measured), now: now)
            return state.fillRate
        }
    }

    /// Whether throttling has been seen (the limiter is in force), and the fill rate.
    public var snapshot: (enabled: Bool, rate: Double, measured: Double) {
        state.withLock { ($0.enabled, $0.fillRate, $0.measuredRate) }
    }

    /// Requests waiting for a token.
    var queued: Int { state.withLock { $0.queue.count } }
}
