public import Exposition
public import HTTPServer
import PrometheusHTTP
import Support
import Synchronization
public import WorkSpacesCollector

/// Routes requests: the telemetry path, `/probe`, `/sd`, the landing page,
/// `/-/healthy`, `/-/ready`, `/-/reload` (with `--web.enable-lifecycle`),
/// 404 and 405.
public final class ExporterHandler: HTTPHandler {
    let telemetryPath: String
    let collector: WorkSpacesCollector
    let landingPage: [UInt8]
    let scrapeBudget: ScrapeBudget
    /// Whether `/metrics` collects the targets (`--[no-]web.metrics-targets`).
    let metricsTargets: Bool
    let probe: ProbeHandler
    let serviceDiscovery: ServiceDiscoveryHandler
    /// Whether `/-/ready` says ready.
    let ready: @Sendable () -> Bool
    /// Scrapes (`/metrics` and `/probe` together) served at once before answering 503; 0 for no limit.
    let maxRequests: Int
    /// The exporter's own families, added to every `/metrics` scrape (not
    /// `/probe`): process metrics, reload status, discovery, the HTTP client.
    let ownFamilies: @Sendable () -> [MetricFamily]
    /// Set with `--web.enable-lifecycle`: `POST /-/reload` reloads the
    /// configuration and returns the problem, nil when it went well.
    let reload: (@Sendable () -> String?)?
    let renderer = ScrapeRenderer()
    private let inFlight = Atomic<Int>(0)
    /// The snapshots of the last scrape after which free memory was returned.
    private let trimmedAfter = Locked<[UInt64]>([])

    public init(
        telemetryPath: String, collector: WorkSpacesCollector, version: String, defaultTimeout: Duration = .seconds(30),
        timeoutOffset: Duration = .milliseconds(500), maxRequests: Int = 40, reload: (@Sendable () -> String?)? = nil, metricsTargets: Bool = true,
        ready: @escaping @Sendable () -> Bool = { true }, unsettledSources: @escaping @Sendable () -> [String] = { [] },
        ownFamilies: @escaping @Sendable () -> [MetricFamily] = { [] }
    ) {
        self.ownFamilies = ownFamilies
        self.ready = ready
        self.telemetryPath = telemetryPath
        self.collector = collector
        self.scrapeBudget = ScrapeBudget(defaultTimeout: defaultTimeout, timeoutOffset: timeoutOffset)
        self.metricsTargets = metricsTargets
        self.probe = ProbeHandler(collector: collector, budget: scrapeBudget)
        self.serviceDiscovery = ServiceDiscoveryHandler(collector: collector, timeout: min(defaultTimeout, .seconds(10)), unsettled: unsettledSources)
        self.maxRequests = maxRequests
        self.reload = reload
        self.landingPage = Array(LandingPage.html(telemetryPath: telemetryPath, version: version).utf8)
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        if request.path == "/-/reload" { return reloadEndpoint(request) }
        let known = [telemetryPath, "/probe", "/sd", "/", "/-/healthy", "/-/ready"].contains(request.path)
        guard known else { return .text(404, "404 page not found") }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .text(405, "method not allowed", headers: [("Allow", "GET, HEAD")])
        }
        switch request.path {
        case telemetryPath: return await limited(request) { await self.metrics(request) }
        case "/probe":
            // HEAD answers what GET would, without AWS calls: 400 for a
            // malformed target, 404 for one no target can be.
            if request.method == "HEAD" {
                switch ProbeHandler.parse(request) {
                case let .failure(refusal): return .text(400, refusal.message)
                case let .success(target):
                    if !collector.mayProbe(accountId: target.accountId, region: target.region) { return ProbeHandler.unknown(target) }
                }
            }
            return await limited(request) { await self.probe.handle(request) }
        case "/sd": return await limited(request, head: .json) { await self.serviceDiscovery.handle(request) }
        // Both answer as soon as the server is up: the exporter needs nothing
        // else to serve, and tying readiness to AWS would hide `up 0` from
        // Prometheus. The one wait: with `organizations` entries, readiness
        // comes after their first listing (successful or not), so that a new
        // replica behind a Service does not answer 404 to probes of accounts
        // it has not listed yet. While shutting down the server answers 503 itself.
        case "/-/healthy": return .text(200, "Healthy.")
        case "/-/ready":
            return ready() ? .text(200, "Ready.") : .text(503, "Not ready: listing the organization's accounts for the first time.")
        default: return HTTPResponse(status: 200, headers: [("Content-Type", "text/html; charset=utf-8")], body: landingPage)
        }
    }

    private func reloadEndpoint(_ request: HTTPRequest) -> HTTPResponse {
        guard let reload else { return .text(403, "Lifecycle API is not enabled (--web.enable-lifecycle).") }
        guard request.method == "POST" || request.method == "PUT" else {
            return .text(405, "method not allowed", headers: [("Allow", "POST, PUT")])
        }
        if let problem = reload() { return .text(500, "failed to reload config: \(problem)") }
        return .text(200, "Reloaded.")
    }

    /// What a HEAD request is told it would get.
    enum HeadAnswer { case exposition, json }

    /// Runs a scrape (or a service discovery, which may ask STS) within
    /// `--web.max-requests`; HEAD says what GET would answer with, without the AWS calls.
    private func limited(_ request: HTTPRequest, head: HeadAnswer = .exposition, _ scrape: () async -> HTTPResponse) async -> HTTPResponse {
        if request.method == "HEAD" {
            switch head {
            case .exposition:
                let format = ExpositionFormat.negotiate(accept: request.header("Accept"))
                return HTTPResponse(status: 200, headers: [("Content-Type", format.contentType), ("Vary", "Accept-Encoding")])
            case .json:
                return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")])
            }
        }
        let running = inFlight.wrappingAdd(1, ordering: .relaxed).newValue
        defer { inFlight.wrappingSubtract(1, ordering: .relaxed) }
        if maxRequests > 0, running > maxRequests {
            return .text(503, "limit of concurrent scrapes (--web.max-requests=\(maxRequests)) reached; try again", headers: [("Retry-After", "1")])
        }
        return await scrape()
    }

    private func metrics(_ request: HTTPRequest) async -> HTTPResponse {
        let collected = await collector.collect(budget: scrapeBudget.budget(for: request), includeTargets: metricsTargets)
        let scrape = Scrape(snapshots: collected.snapshots, live: collected.live + ownFamilies().map { $0.sorted() })
        // A new collection has replaced the previous one's pages, images and
        // families, now free: give their pages back (cached scrapes skip this).
        let ids = scrape.snapshots.map(\.id)
        if trimmedAfter.withLock({ last in defer { last = ids }; return last != ids }) { HeapTuning.releaseFreeMemory() }
        return ExpositionResponse.make(scrape, renderer: renderer, for: request)
    }
}
