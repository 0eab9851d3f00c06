public import AWSCore
import AWSWorkSpaces
public import Exposition
import Support
import Synchronization

/// Counters and a histogram about the AWS API calls, kept for the life of the
/// process (counters must be). Unlike the collections' families, these are
/// deliberately not rebuilt per scrape: they are the exporter's own history.
/// Series of a target removed by a reload are dropped.
public final class APIMetrics: APIObserver {
    /// Histogram buckets, in seconds: from a fast regional call to a slow retry.
    public static let buckets: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    struct RequestKey: Hashable { let context: APIContext; let operation, code: String }
    struct RetryKey: Hashable { let context: APIContext; let operation, reason: String }
    struct DurationKey: Hashable { let context: APIContext; let operation: String }
    struct Histogram { var counts: [Int]; var sum: Double; var count: Int }

    struct State {
        var requests: [RequestKey: Int] = [:]
        var retries: [RetryKey: Int] = [:]
        var durations: [DurationKey: Histogram] = [:]
        var rateLimited: [DurationKey: Double] = [:]
    }

    private let state = Locked(State())

    public init() {}

    public func attemptFinished(_ context: APIContext, operation: String, code: String, seconds: Double) {
        state.withLock { state in
            state.requests[RequestKey(context: context, operation: operation, code: code), default: 0] += 1
            let key = DurationKey(context: context, operation: operation)
            var histogram = state.durations[key] ?? Histogram(counts: Array(repeating: 0, count: Self.buckets.count), sum: 0, count: 0)
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { histogram.counts[index] += 1 }
            histogram.sum += seconds
            histogram.count += 1
            state.durations[key] = histogram
        }
    }

    public func retrying(_ context: APIContext, operation: String, reason: String) {
        state.withLock { $0.retries[RetryKey(context: context, operation: operation, reason: reason), default: 0] += 1 }
    }

    public func rateLimited(_ context: APIContext, operation: String, seconds: Double) {
        state.withLock { $0.rateLimited[DurationKey(context: context, operation: operation), default: 0] += seconds }
    }

    /// Drops the series of the given account and region pairs.
    public func remove(_ contexts: Set<APIContext>) {
        guard !contexts.isEmpty else { return }
        remove { contexts.contains($0) }
    }

    /// Drops the series whose account and region `drop` picks.
    public func remove(where drop: (APIContext) -> Bool) {
        state.withLock { state in
            state.requests = state.requests.filter { !drop($0.key.context) }
            state.retries = state.retries.filter { !drop($0.key.context) }
            state.durations = state.durations.filter { !drop($0.key.context) }
            state.rateLimited = state.rateLimited.filter { !drop($0.key.context) }
        }
    }

    /// A snapshot of the four families.
    public func families() -> [MetricFamily] {
        // Built under the lock, not from a copy taken out of it: reading a
        // copy while a request updates the original is correct (copy on
        // write), but the uniqueness check behind it is in the uninstrumented
        // Swift runtime, and ThreadSanitizer reports it as a race.
        state.withLock { snapshot in Self.families(snapshot) }
    }

    private static func families(_ snapshot: State) -> [MetricFamily] {
        func labels(_ context: APIContext, _ extra: [Label]) -> [Label] {
            ([Label("account_id", context.accountId), Label("region", context.region)] + extra).sorted { $0.name < $1.name }
        }
        let requests = snapshot.requests.map { key, value in
            Sample(labels: labels(key.context, [Label("code", key.code), Label("operation", key.operation)]), value: Double(value))
        }
        let retries = snapshot.retries.map { key, value in
            Sample(labels: labels(key.context, [Label("operation", key.operation), Label("reason", key.reason)]), value: Double(value))
        }
        let rateLimited = snapshot.rateLimited.map { key, value in
            Sample(labels: labels(key.context, [Label("operation", key.operation)]), value: value)
        }
        var durations: [Sample] = []
        for (key, histogram) in snapshot.durations {
            let base = labels(key.context, [Label("operation", key.operation)])
            for (index, bound) in Self.buckets.enumerated() {
                durations.append(Sample(suffix: "_bucket", labels: base + [Label("le", TextFormat.formatValue(bound))], value: Double(histogram.counts[index])))
            }
            durations.append(Sample(suffix: "_bucket", labels: base + [Label("le", "+Inf")], value: Double(histogram.count)))
            durations.append(Sample(suffix: "_sum", labels: base, value: histogram.sum))
            durations.append(Sample(suffix: "_count", labels: base, value: Double(histogram.count)))
        }
        return [
            MetricFamily(name: "aws_workspaces_api_requests_total", help: "AWS API requests (each attempt) by operation and result: the HTTP status, a known AWS error code, Cancelled (the exporter's own deadline ended it), TransportError, or other.", type: .counter, samples: requests),
            MetricFamily(name: "aws_workspaces_api_retries_total", help: "AWS API retries by operation and reason (throttling, server_error, transport, timeout).", type: .counter, samples: retries),
            MetricFamily(name: "aws_workspaces_api_request_duration_seconds", help: "Duration of AWS API requests (each attempt) by operation.", type: .histogram, samples: durations),
            // Only once a request waited: the family is new, and most never use adaptive mode.
            rateLimited.isEmpty ? nil : MetricFamily(name: "aws_workspaces_api_rate_limit_wait_seconds_total", help: "Time requests waited for the client-side rate limit of the adaptive retry mode (AWS_RETRY_MODE=adaptive), by operation.", type: .counter, samples: rateLimited),
        ].compactMap { $0?.sorted() }
    }
}
