import Exposition
import Foundation
import HTTPServer
import WorkSpacesCollector

/// Routes requests: the telemetry path, the landing page, 404 and 405.
struct ExporterHandler: HTTPHandler {
    let telemetryPath: String
    let collector: WorkSpacesCollector
    let landingPage: [UInt8]
    /// Budget when the scraper sends no `X-Prometheus-Scrape-Timeout-Seconds`.
    let defaultTimeout: Duration
    /// Taken off the scraper's timeout, to leave time to render and send.
    let timeoutOffset: Duration

    init(telemetryPath: String, collector: WorkSpacesCollector, version: String, defaultTimeout: Duration = .seconds(30), timeoutOffset: Duration = .milliseconds(500)) {
        self.telemetryPath = telemetryPath
        self.collector = collector
        self.defaultTimeout = defaultTimeout
        self.timeoutOffset = timeoutOffset
        self.landingPage = Array(LandingPage.html(telemetryPath: telemetryPath, version: version).utf8)
    }

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let known = request.path == telemetryPath || request.path == "/"
        guard known else { return .text(404, "404 page not found") }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .text(405, "method not allowed", headers: [("Allow", "GET, HEAD")])
        }
        if request.path == telemetryPath {
            let families = await collector.collect(budget: budget(for: request))
            return HTTPResponse(
                status: 200,
                headers: [("Content-Type", TextFormat.contentType)],
                body: TextFormat.encode(families),
                compressible: true)
        }
        return HTTPResponse(status: 200, headers: [("Content-Type", "text/html; charset=utf-8")], body: landingPage)
    }

    /// The scrape's budget: Prometheus's timeout header less the offset, else
    /// `--collector.timeout`. Never below 100 ms, so a tiny timeout still gets an answer.
    func budget(for request: HTTPRequest) -> CollectionBudget {
        if let header = request.header("X-Prometheus-Scrape-Timeout-Seconds"),
           let seconds = Double(header.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds > 0 {
            let budget = max(Duration.milliseconds(Int64(seconds * 1000)) - timeoutOffset, .milliseconds(100))
            return CollectionBudget(duration: budget, source: "X-Prometheus-Scrape-Timeout-Seconds \(header) less \(timeoutOffset)")
        }
        return CollectionBudget(duration: defaultTimeout, source: "--collector.timeout")
    }
}
