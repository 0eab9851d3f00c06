import Support
import Synchronization

/// The adaptive retry mode's rate limiters, one per client: service, region
/// and account, as AWS throttles each account's calls to each regional
/// endpoint on their own. Made on first use; bounded, so that accounts that
/// come and go (discovery) cannot grow it without limit.
public final class RateLimiterPool: Sendable {
    static let maxLimiters = 20_000
    private let limiters = Locked<[String: AdaptiveRateLimiter]>([:])

    public init() {}

    public func limiter(service: String, region: String, account: String) -> AdaptiveRateLimiter {
        let key = "\(service)\u{0}\(region)\u{0}\(account)"
        return limiters.withLock { limiters in
            if let existing = limiters[key] { return existing }
            // Past the bound, start over: forgotten clients begin unthrottled,
            // as a restarted SDK client does.
            if limiters.count >= Self.maxLimiters { limiters.removeAll(keepingCapacity: true) }
            let made = AdaptiveRateLimiter()
            limiters[key] = made
            return made
        }
    }

    public var count: Int { limiters.withLock { $0.count } }
}
