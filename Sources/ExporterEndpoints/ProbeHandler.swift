import HTTPServer
import PrometheusHTTP
import WorkSpacesCollector

/// `GET /probe?target=ACCOUNT_ID/REGION`: the multi-target pattern of
/// blackbox_exporter. One configured or discovered target, collected within
/// this scrape's own timeout, with its own `aws_workspaces_up`. A target
/// nobody configured gets 404 and calls nothing: no role is assumed because
/// a URL asked for it.
struct ProbeHandler: Sendable {
    let collector: WorkSpacesCollector
    let budget: ScrapeBudget
    /// The telemetry path's renderer type, keeping each target's deflated
    /// families rather than one set of collections: probes of different
    /// targets would only churn that, and under the API budget a target
    /// probed once an interval has a new collection at every probe, most of
    /// whose families are the same as the last one's (docs/design.md,
    /// "Render cache"). A target not probed for 10 minutes loses its pieces
    /// at the next probe.
    let renderer = ScrapeRenderer(caching: .families(keep: .seconds(600)))

    /// The account and region `target` names, or why it names none.
    static func parse(_ request: HTTPRequest) -> Result<TargetLabels, ProbeRefusal> {
        let values = request.arguments("target")
        guard values.count == 1, let value = values.first, !value.isEmpty else {
            return .failure(ProbeRefusal(values.isEmpty ? "target parameter is missing" : "give exactly one target parameter"))
        }
        guard let target = TargetLabels(target: value) else {
            return .failure(ProbeRefusal("target must be ACCOUNT_ID/REGION, such as 123456789012/eu-west-1"))
        }
        return .success(target)
    }

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let target: TargetLabels
        switch Self.parse(request) {
        case let .success(parsed): target = parsed
        case let .failure(refusal): return .text(400, refusal.message)
        }
        guard let scrape = await collector.probe(accountId: target.accountId, region: target.region, budget: budget.budget(for: request)) else {
            return Self.unknown(target)
        }
        return ExpositionResponse.make(scrape, renderer: renderer, for: request)
    }
}

extension ProbeHandler {
    static func unknown(_ target: TargetLabels) -> HTTPResponse {
        .text(404, "unknown target \(target.target): only targets of --config.file or discovered from AWS Organizations can be probed (see /sd)")
    }
}

/// Why a probe request names no target, in words for the 400 answer.
struct ProbeRefusal: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
