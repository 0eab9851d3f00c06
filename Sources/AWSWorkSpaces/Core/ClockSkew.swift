#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
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

    private let offset = Mutex<Double>(0)
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

    /// Learns the offset from a refused request's `Date` header. True when
    /// the offset changed, so a retry has a chance to succeed.
    public func correct(errorCode: String, dateHeader: String?) -> Bool {
        guard Self.errorCodes.contains(errorCode), let dateHeader, let server = Self.parseHTTPDate(dateHeader) else { return false }
        let local = now()
        let skew = server - local
        return offset.withLock { current in
            guard abs(skew - current) > Self.threshold else { return false }
            current = skew
            return true
        }
    }

    /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form RFC 9110
    /// requires of `Date`, in Unix seconds.
    static func parseHTTPDate(_ text: String) -> Double? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]), let year = Int(parts[3]),
              let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].firstIndex(of: String(parts[2])) else { return nil }
        let clock = parts[4].split(separator: ":")
        guard clock.count == 3, let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
              (1...31).contains(day), hour < 24, minute < 60, second <= 60 else { return nil }
        let days = ISO8601.daysSinceEpoch(year: year, month: month + 1, day: day)
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second)
    }
}
