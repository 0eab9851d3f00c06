public import AWSWorkSpaces
public import Exposition
import Foundation
public import Logging

/// Collects the metrics of every configured region on each call, concurrently,
/// and returns fresh families: nothing about images is kept between scrapes.
/// The API metrics (counters) are the one deliberate exception.
public final class WorkSpacesCollector: Sendable {
    let clients: [WorkSpacesClient]
    let query: ImageQuery
    let buildInfo: BuildInfo
    let apiMetrics: APIMetrics?
    let logger: Logger

    public init(clients: [WorkSpacesClient], query: ImageQuery, buildInfo: BuildInfo = .current, apiMetrics: APIMetrics? = nil, logger: Logger) {
        self.clients = clients
        self.query = query
        self.buildInfo = buildInfo
        self.apiMetrics = apiMetrics
        self.logger = logger
    }

    /// The families for one scrape, merged across regions and sorted by name.
    /// Each region's collection ends within `budget`: what has not finished by
    /// then reports `aws_workspaces_up 0`.
    public func collect(budget: CollectionBudget) async -> [MetricFamily] {
        let query = self.query
        let logger = self.logger
        let perRegion = await withTaskGroup(of: [MetricFamily].self) { group in
            for client in clients {
                group.addTask { await Self.collect(client: client, query: query, budget: budget, logger: logger) }
            }
            var all: [MetricFamily] = []
            for await families in group { all += families }
            return all
        }
        return MetricFamily.merge(perRegion + [buildInfo.family] + (apiMetrics?.families() ?? [])).filter { !$0.samples.isEmpty }
    }

    enum Outcome: Sendable {
        case images([WorkspaceImage])
        case failed(AWSClientError)
        case timedOut
    }

    static func collect(client: WorkSpacesClient, query: ImageQuery, budget: CollectionBudget, logger: Logger) async -> [MetricFamily] {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: budget.duration)
        let region = client.region
        // Race the collection against the budget, so even a hung credential
        // source cannot make the scrape outlive Prometheus's timeout.
        let outcome = await DeadlineRace.run(until: deadline) { () -> Outcome in
            do throws(AWSClientError) {
                return .images(try await client.allWorkspaceImages(
                    imageType: query.imageType, imageIds: query.imageIds, pageSize: query.pageSize, deadline: deadline))
            } catch {
                return .failed(error)
            }
        } ?? .timedOut
        var families: [MetricFamily] = []
        var up = 0.0
        switch outcome {
        case let .images(images):
            families = ImageMetrics.families(for: images, region: region, now: Date().timeIntervalSince1970)
            up = 1
        case let .failed(error):
            log(error, region: region, logger: logger)
        case .timedOut:
            log(.deadlineExceeded("collection did not finish within \(budget.duration) (\(budget.source))"), region: region, logger: logger)
        }
        let seconds = start.duration(to: clock.now) / .seconds(1)
        let regionLabel = [Label("region", region)]
        families.append(MetricFamily(
            name: "aws_workspaces_up",
            help: "Whether the last collection of WorkSpaces images in the region succeeded (1) or not (0).",
            type: .gauge, samples: [Sample(labels: regionLabel, value: up)]))
        families.append(MetricFamily(
            name: "aws_workspaces_scrape_duration_seconds",
            help: "Seconds the collection of WorkSpaces images in the region took.",
            type: .gauge, samples: [Sample(labels: regionLabel, value: seconds)]))
        let budgetSeconds = budget.duration / .seconds(1)
        families.append(MetricFamily(
            name: "aws_workspaces_scrape_timeout_seconds",
            help: "Seconds the collection was allowed: X-Prometheus-Scrape-Timeout-Seconds less --collector.timeout-offset, or --collector.timeout.",
            type: .gauge, samples: [Sample(labels: regionLabel, value: budgetSeconds)]))
        return families
    }

    /// The one log line a failed collection writes.
    static func log(_ error: AWSClientError, region: String, logger: Logger) {
        logger.error("DescribeWorkspaceImages failed", metadata: [
            "region": "\(region)", "code": "\(error.code)", "message": "\(error.message)",
        ])
    }
}
