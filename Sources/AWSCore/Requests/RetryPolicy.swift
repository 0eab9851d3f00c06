/// The AWS SDKs' `standard` and `adaptive` retry modes: at most `maxAttempts`
/// attempts, delays of random(0,1) × min(2^retry, 20) seconds, a shared retry
/// quota so a struggling endpoint is not hammered and, in `adaptive` mode, a
/// client-side rate limiter per client (``AdaptiveRateLimiter``).
public struct RetryPolicy: Sendable {
    public let mode: RetryMode
    public let maxAttempts: Int
    let quota: RetryQuota
    /// The adaptive mode's limiters; nil in the other modes.
    public let limiters: RateLimiterPool?

    public init(mode: RetryMode = .standard, maxAttempts: Int = 3, quota: RetryQuota = RetryQuota()) {
        self.mode = mode
        self.maxAttempts = max(1, maxAttempts)
        self.quota = quota
        self.limiters = mode == .adaptive ? RateLimiterPool() : nil
    }

    /// Error codes the SDKs treat as throttling.
    static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ]
    /// Error codes the SDKs treat as transient.
    static let transientCodes: Set<String> = ["RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable"]
    static let transientStatuses: Set<Int> = [500, 502, 503, 504]

    /// Why an error may be retried (`throttling`, `server_error`, `transport`,
    /// `timeout`), or nil when retrying cannot help.
    public static func retryReason(_ error: AWSClientError) -> String? {
        switch error {
        case let .service(code, _, status):
            if throttlingCodes.contains(code) || status == 429 { return "throttling" }
            if transientCodes.contains(code) || transientStatuses.contains(status) { return "server_error" }
            return nil
        case let .transport(_, timedOut):
            return timedOut ? "timeout" : "transport"
        case .invalidResponse, .credentials, .pagination, .invalidEndpoint, .configuration, .deadlineExceeded, .cancelled:
            return nil
        }
    }

    /// Whether the failed attempt number `attempt` (1 for the first) is
    /// retried: why and after what delay, or nil when the failure cannot
    /// pass, the attempts are spent, the delay would pass `deadline`, or the
    /// retry quota is empty. A retry granted takes its cost from the quota.
    func retry(after failure: AWSClientError, attempt: Int, deadline: ContinuousClock.Instant?) -> (reason: String, delay: Duration)? {
        guard attempt < maxAttempts, let reason = Self.retryReason(failure) else { return nil }
        let delay = delay(beforeRetry: attempt - 1)
        if let deadline, ContinuousClock.now.advanced(by: delay) >= deadline { return nil }
        guard quota.acquire(timeout: reason == "timeout") else { return nil }
        return (reason, delay)
    }

    /// The delay before retry number `retry` (0 for the first retry).
    public func delay(beforeRetry retry: Int, random: Double = Double.random(in: 0..<1)) -> Duration {
        let ceiling = min(Double(1 << min(retry, 10)), 20)
        return .seconds(random * ceiling)
    }
}
