#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Support
import Synchronization

/// The offset between this machine's clock and AWS's, learned from a
/// response's `Date` header when AWS refuses a signature as skewed, as the
/// AWS SDKs do. SigV4 signs with the wall clock; a machine whose clock drifted
/// would otherwise fail every request until someone fixes NTP.
public final class ClockSkew: Sendable {
    /// Error codes AWS answers a skewed signature with.
    public static let errorCodes: Set<String> = [
        "RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture", "InvalidSignatureException",
        "SignatureDoesNotMatch", "AuthFailure",
    ]
    /// Smaller differences are network delay, not skew.
    public static let threshold: Double = 60
    /// The largest offset ever applied: a `Date` from a hostile or broken
    /// endpoint moves signing time by a day at most.
    public static let maxOffset: Double = 86_400

    private let offset = Locked<Double>(0)
    let now: @Sendable () -> Double

    /// One for the whole process: the clock is the machine's.
    public static let shared = ClockSkew()

    /// `now` gives the current Unix time; the system clock by default.
    public init(now: (@Sendable () -> Double)? = nil) {
        self.now = now ?? { Date().timeIntervalSince1970 }
    }

    /// The time to sign with: the wall clock corrected by the learned offset.
    public var signingTime: Double { now() + offset.withLock { $0 } }

    public var currentOffset: Double { offset.withLock { $0 } }

    /// Learns the offset from a refused request's `Date` header, clamped to
    /// ±``maxOffset``. True when the offset changed, so a retry has a chance to succeed.
    public func correct(errorCode: String, dateHeader: String?) -> Bool {
        guard Self.errorCodes.contains(errorCode), let dateHeader, let server = HTTPDate.parse(dateHeader) else { return false }
        let local = now()
        let skew = min(max(server - local, -Self.maxOffset), Self.maxOffset)
        return offset.withLock { current in
            guard abs(skew - current) > Self.threshold else { return false }
            current = skew
            return true
        }
    }
}
