public import AWSWorkSpaces
public import Exposition
import Synchronization

/// Counters and a histogram about the AWS API calls, kept for the life of the
/// process (counters must be). Unlike the image families, these are
/// deliberately not rebuilt per scrape: they are the exporter's own history.
public final class APIMetrics: APIObserver {
    /// Histogram buckets, in seconds: from a fast regional call to a slow retry.
    public static let buckets: [Double] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    struct RequestKey: Hashable { let region, operation, code: String }
    struct RetryKey: Hashable { let region, operation, reason: String }
    struct DurationKey: Hashable { let region, operation: String }
    struct Histogram { var counts: [Int]; var sum: Double; var count: Int }

    struct State {
        var requests: [RequestKey: Int] = [:]
        var retries: [RetryKey: Int] = [:]
        var durations: [DurationKey: Histogram] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public func attemptFinished(region: String, operation: String, code: String, seconds: Double) {
        state.withLock { state in
            state.requests[RequestKey(region: region, operation: operation, code: code), default: 0] += 1
            var histogram = state.durations[DurationKey(region: region, operation: operation)]
                ?? Histogram(counts: Array(repeating: 0, count: Self.buckets.count), sum: 0, count: 0)
            for (index, bound) in Self.buckets.enumerated() where seconds <= bound { histogram.counts[index] += 1 }
            histogram.sum += seconds
            histogram.count += 1
            state.durations[DurationKey(region: region, operation: operation)] = histogram
        }
    }

    public func retrying(region: String, operation: String, reason: String) {
        state.withLock { $0.retries[RetryKey(region: region, operation: operation, reason: reason), default: 0] += 1 }
    }

    /// A snapshot of the three families.
    public func families() -> [MetricFamily] {
        let snapshot = state.withLock { $0 }
        let requests = snapshot.requests.map { key, value in
            Sample(labels: [Label("code", key.code), Label("operation", key.operation), Label("region", key.region)], value: Double(value))
        }
        let retries = snapshot.retries.map { key, value in
            Sample(labels: [Label("operation", key.operation), Label("reason", key.reason), Label("region", key.region)], value: Double(value))
        }
        var durations: [Sample] = []
        for (key, histogram) in snapshot.durations {
            let labels = [Label("operation", key.operation), Label("region", key.region)]
            for (index, bound) in Self.buckets.enumerated() {
                durations.append(Sample(suffix: "_bucket", labels: labels + [Label("le", TextFormat.formatValue(bound))], value: Double(histogram.counts[index])))
            }
            durations.append(Sample(suffix: "_bucket", labels: labels + [Label("le", "+Inf")], value: Double(histogram.count)))
            durations.append(Sample(suffix: "_sum", labels: labels, value: histogram.sum))
            durations.append(Sample(suffix: "_count", labels: labels, value: Double(histogram.count)))
        }
        return [
            MetricFamily(name: "aws_workspaces_api_requests_total", help: "AWS API requests (each attempt) by operation and result code: the HTTP status or the AWS error code.", type: .counter, samples: requests),
            MetricFamily(name: "aws_workspaces_api_retries_total", help: "AWS API retries by operation and reason (throttling, server_error, transport, timeout).", type: .counter, samples: retries),
            MetricFamily(name: "aws_workspaces_api_request_duration_seconds", help: "Duration of AWS API requests (each attempt) by operation.", type: .histogram, samples: durations),
        ].map { $0.sorted() }
    }
}
