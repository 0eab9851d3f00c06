import Support
import Synchronization

/// The SDKs' retry token bucket: each retry takes 5 tokens (10 after a
/// timeout), each success gives one back, and with the bucket empty no more
/// retries happen until successes refill it. Shared by all regions.
public final class RetryQuota: Sendable {
    public static let capacity = 500
    static let retryCost = 5
    static let timeoutCost = 10
    private let tokens = Locked(RetryQuota.capacity)

    public init() {}

    /// Takes the cost of one retry; false when the quota is exhausted.
    func acquire(timeout: Bool) -> Bool {
        let cost = timeout ? Self.timeoutCost : Self.retryCost
        return tokens.withLock { available in
            guard available >= cost else { return false }
            available -= cost
            return true
        }
    }

    /// Returns a token after a success.
    func release() {
        tokens.withLock { $0 = min(Self.capacity, $0 + 1) }
    }

    public var available: Int { tokens.withLock { $0 } }
}
