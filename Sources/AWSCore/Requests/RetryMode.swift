/// The AWS SDKs' retry modes (`retry_mode`, `AWS_RETRY_MODE`).
///
/// - `standard`: at most `max_attempts` attempts (default 3) with capped,
///   jittered exponential back-off and a retry quota (``RetryPolicy``).
/// - `adaptive`: `standard`, plus a client-side rate limiter that slows the
///   sending rate after throttling answers (``AdaptiveRateLimiter``).
/// - `legacy`: botocore's default. This exporter retries it as `standard`
///   (the SDKs' modern behaviour), with botocore's legacy default of 5 attempts.
public enum RetryMode: String, Sendable, CaseIterable {
    case legacy, standard, adaptive

    /// Attempts when neither `max_attempts` nor a flag says: botocore's defaults.
    public var defaultMaxAttempts: Int { self == .legacy ? 5 : 3 }
}
