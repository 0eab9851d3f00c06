import HTTPServer
import Support
import WorkSpacesCollector

/// How long a scrape may collect: Prometheus's
/// `X-Prometheus-Scrape-Timeout-Seconds` less `--collector.timeout-offset`,
/// else `--collector.timeout`; never below 100 ms, so that a tiny timeout
/// still gets an answer. The same for `/metrics` and each `/probe`.
struct ScrapeBudget: Sendable {
    /// Budget when the scraper sends no timeout header.
    let defaultTimeout: Duration
    /// Taken off the scraper's timeout, to leave time to render and send.
    let timeoutOffset: Duration

    func budget(for request: HTTPRequest) -> CollectionBudget {
        if let header = request.header("X-Prometheus-Scrape-Timeout-Seconds"),
           let seconds = Double(header.trimmingWhitespace()), seconds.isFinite, seconds > 0 {
            let budget = max(Duration.seconds(min(seconds, 86_400)) - timeoutOffset, .milliseconds(100))
            return CollectionBudget(duration: budget, source: "X-Prometheus-Scrape-Timeout-Seconds \(header.bounded(maxBytes: 32)) less \(timeoutOffset)")
        }
        return CollectionBudget(duration: defaultTimeout, source: "--collector.timeout")
    }
}
