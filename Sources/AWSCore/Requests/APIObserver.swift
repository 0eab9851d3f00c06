/// Hears about each API attempt, for the `aws_workspaces_api_*` metrics. The
/// client reports; what to count is the observer's business.
public protocol APIObserver: Sendable {
    /// An attempt ended with `code`: the HTTP status, the AWS error code, or a
    /// failure kind such as `TransportError` or `Cancelled`.
    func attemptFinished(_ context: APIContext, operation: String, code: String, seconds: Double)
    /// An attempt is about to be retried, for `reason` (`throttling`, …).
    func retrying(_ context: APIContext, operation: String, reason: String)
    /// A request waits `seconds` for the adaptive retry mode's rate limiter.
    func rateLimited(_ context: APIContext, operation: String, seconds: Double)
}

extension APIObserver {
    public func rateLimited(_ context: APIContext, operation: String, seconds: Double) {}
}

/// Whose requests these are: the labels every API metric carries.
public struct APIContext: Sendable, Hashable {
    public let accountId: String
    public let region: String

    public init(accountId: String, region: String) {
        self.accountId = accountId
        self.region = region
    }
}

/// Observes nothing.
public struct NoAPIObserver: APIObserver {
    public init() {}
    public func attemptFinished(_ context: APIContext, operation: String, code: String, seconds: Double) {}
    public func retrying(_ context: APIContext, operation: String, reason: String) {}
}
