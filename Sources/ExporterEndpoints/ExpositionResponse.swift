import Exposition
import HTTPServer
import PrometheusHTTP

/// The one way a scrape becomes an answer, for the telemetry path and
/// `/probe` alike: negotiated and gzipped by a ``ScrapeRenderer``, with
/// `Content-Type`, `Vary: Accept-Encoding` and `Content-Encoding` when gzipped.
enum ExpositionResponse {
    static func make(_ scrape: Scrape, renderer: ScrapeRenderer, for request: HTTPRequest) -> HTTPResponse {
        let answer = renderer.respond(scrape, accept: request.header("Accept"), acceptEncoding: request.header("Accept-Encoding"))
        var headers: [(name: String, value: String)] = [("Content-Type", answer.contentType), ("Vary", "Accept-Encoding")]
        if answer.gzipped { headers.append(("Content-Encoding", "gzip")) }
        return HTTPResponse(status: 200, headers: headers, body: answer.body)
    }
}
