import Exposition
import HTTPClient

/// The AWS HTTP client's own health, read on every scrape: connections
/// opened (a steady rise means connections are not reused: a proxy or load
/// balancer closing them, say) and worker threads (capped at 256).
enum HTTPClientMetrics {
    static func families(_ http: HTTPClient) -> [MetricFamily] {
        [
            MetricFamily(
                name: "aws_workspaces_http_client_connections_opened_total",
                help: "TCP connections the exporter's AWS HTTP client opened; pooled keep-alive connections are reused, so this grows slowly.",
                type: .counter, samples: [Sample(value: Double(http.connectionsOpened))]),
            MetricFamily(
                name: "aws_workspaces_http_client_threads",
                help: "Worker threads of the exporter's AWS HTTP client, busy or idle (at most 256; idle ones end after 30 s).",
                type: .gauge, samples: [Sample(value: Double(http.threadCount))]),
        ]
    }
}
