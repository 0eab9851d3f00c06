/// Hears about each API attempt, for the `aws_workspaces_api_*` metrics. The
/// client reports; what to count is the observer's business.
public protocol APIObserver: Sendable {
    /// An attempt ended with `code`: the HTTP status, the AWS error code, or a
    /// failure kind such as `TransportError`.
    func attemptFinished(region: String, operation: String, code: String, seconds: Double)
    /// An attempt is about to be retried, for `reason` (`throttling`, …).
    func retrying(region: String, operation: String, reason: String)
}

/// Observes nothing.
public struct NoAPIObserver: APIObserver {
    public init() {}
    public func attemptFinished(region: String, operation: String, code: String, seconds: Double) {}
    public func retrying(region: String, operation: String, reason: String) {}
}
