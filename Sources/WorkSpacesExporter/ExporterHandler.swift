import Exposition
import HTTPServer
import WorkSpacesCollector

/// Routes requests: the telemetry path, the landing page, 404 and 405.
struct ExporterHandler: HTTPHandler {
    let telemetryPath: String
    let collector: WorkSpacesCollector
    let landingPage: [UInt8]

    init(telemetryPath: String, collector: WorkSpacesCollector, version: String) {
        self.telemetryPath = telemetryPath
        self.collector = collector
        self.landingPage = Array(LandingPage.html(telemetryPath: telemetryPath, version: version).utf8)
    }

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let known = request.path == telemetryPath || request.path == "/"
        guard known else { return .text(404, "404 page not found") }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .text(405, "method not allowed", headers: [("Allow", "GET, HEAD")])
        }
        if request.path == telemetryPath {
            let families = await collector.collect()
            return HTTPResponse(
                status: 200,
                headers: [("Content-Type", TextFormat.contentType)],
                body: TextFormat.encode(families),
                compressible: true)
        }
        return HTTPResponse(status: 200, headers: [("Content-Type", "text/html; charset=utf-8")], body: landingPage)
    }
}
