import Exposition
import Foundation
import HTTPServer
import Synchronization
import WorkSpacesCollector

/// Routes requests: the telemetry path, the landing page, `/-/healthy`,
/// `/-/ready`, 404 and 405.
final class ExporterHandler: HTTPHandler {
    let telemetryPath: String
    let collector: WorkSpacesCollector
    let landingPage: [UInt8]
    /// Budget when the scraper sends no `X-Prometheus-Scrape-Timeout-Seconds`.
    let defaultTimeout: Duration
    /// Taken off the scraper's timeout, to leave time to render and send.
    let timeoutOffset: Duration
    /// Scrapes served at once before answering 503; 0 for no limit.
    let maxRequests: Int
    let renderer = ScrapeRenderer()
    private let inFlight = Atomic<Int>(0)

    init(
        telemetryPath: String, collector: WorkSpacesCollector, version: String, defaultTimeout: Duration = .seconds(30),
        timeoutOffset: Duration = .milliseconds(500), maxRequests: Int = 40
    ) {
        self.telemetryPath = telemetryPath
        self.collector = collector
        self.defaultTimeout = defaultTimeout
        self.timeoutOffset = timeoutOffset
        self.maxRequests = maxRequests
        self.landingPage = Array(LandingPage.html(telemetryPath: telemetryPath, version: version).utf8)
    }

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let known = [telemetryPath, "/", "/-/healthy", "/-/ready"].contains(request.path)
        guard known else { return .text(404, "404 page not found") }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .text(405, "method not allowed", headers: [("Allow", "GET, HEAD")])
        }
        switch request.path {
        case telemetryPath: return await metrics(request)
        // Both answer as soon as the server is up: the exporter needs nothing
        // else to serve, and tying readiness to AWS would hide `up 0` from
        // Prometheus. While shutting down the server answers 503 itself.
        case "/-/healthy": return .text(200, "Healthy.")
        case "/-/ready": return .text(200, "Ready.")
        default: return HTTPResponse(status: 200, headers: [("Content-Type", "text/html; charset=utf-8")], body: landingPage)
        }
    }

    private func metrics(_ request: HTTPRequest) async -> HTTPResponse {
        let running = inFlight.wrappingAdd(1, ordering: .relaxed).newValue
        defer { inFlight.wrappingSubtract(1, ordering: .relaxed) }
        if maxRequests > 0, running > maxRequests {
            return .text(503, "limit of concurrent scrapes (--web.max-requests=\(maxRequests)) reached; try again", headers: [("Retry-After", "1")])
        }
        let scrape = await collector.collect(budget: budget(for: request))
        let format = ExpositionFormat.negotiate(accept: request.header("Accept"))
        let (body, gzipped) = renderer.render(scrape, format: format, gzip: AcceptEncoding.allowsGzip(request.header("Accept-Encoding")))
        var headers: [(name: String, value: String)] = [("Content-Type", format.contentType), ("Vary", "Accept-Encoding")]
        if gzipped { headers.append(("Content-Encoding", "gzip")) }
        return HTTPResponse(status: 200, headers: headers, body: body)
    }

    /// The scrape's budget: Prometheus's timeout header less the offset, else
    /// `--collector.timeout`. Never below 100 ms, so a tiny timeout still gets an answer.
    func budget(for request: HTTPRequest) -> CollectionBudget {
        if let header = request.header("X-Prometheus-Scrape-Timeout-Seconds"),
           let seconds = Double(header.trimmingCharacters(in: .whitespaces)), seconds.isFinite, seconds > 0 {
            let budget = max(Duration.seconds(min(seconds, 86_400)) - timeoutOffset, .milliseconds(100))
            return CollectionBudget(duration: budget, source: "X-Prometheus-Scrape-Timeout-Seconds \(header) less \(timeoutOffset)")
        }
        return CollectionBudget(duration: defaultTimeout, source: "--collector.timeout")
    }
}
