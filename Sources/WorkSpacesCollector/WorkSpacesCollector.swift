public import AWSWorkSpaces
public import Exposition
import Foundation
public import Logging

/// Collects the metrics of every configured region on each call, concurrently,
/// and returns fresh families: nothing is cached between scrapes.
public final class WorkSpacesCollector: Sendable {
    let clients: [WorkSpacesClient]
    let query: ImageQuery
    let buildInfo: BuildInfo
    let logger: Logger

    public init(clients: [WorkSpacesClient], query: ImageQuery, buildInfo: BuildInfo = .current, logger: Logger) {
        self.clients = clients
        self.query = query
        self.buildInfo = buildInfo
        self.logger = logger
    }

    /// The families for one scrape, merged across regions and sorted by name.
    public func collect() async -> [MetricFamily] {
        let query = self.query
        let logger = self.logger
        let perRegion = await withTaskGroup(of: [MetricFamily].self) { group in
            for client in clients {
                group.addTask { await Self.collect(client: client, query: query, logger: logger) }
            }
            var all: [MetricFamily] = []
            for await families in group { all += families }
            return all
        }
        return MetricFamily.merge(perRegion + [buildInfo.family]).filter { !$0.samples.isEmpty }
    }

    static func collect(client: WorkSpacesClient, query: ImageQuery, logger: Logger) async -> [MetricFamily] {
        let clock = ContinuousClock()
        let start = clock.now
        let region = client.region
        var families: [MetricFamily] = []
        var up = 0.0
        do {
            let images = try await client.allWorkspaceImages(imageType: query.imageType, imageIds: query.imageIds, pageSize: query.pageSize)
            families = ImageMetrics.families(for: images, region: region, now: Date().timeIntervalSince1970)
            up = 1
        } catch {
            logger.error("DescribeWorkspaceImages failed", metadata: [
                "region": "\(region)", "code": "\(error.code)", "message": "\(error.message)",
            ])
        }
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let regionLabel = [Label("region", region)]
        families.append(MetricFamily(
            name: "aws_workspaces_up",
            help: "Whether the last collection of WorkSpaces images in the region succeeded (1) or not (0).",
            type: .gauge, samples: [Sample(labels: regionLabel, value: up)]))
        families.append(MetricFamily(
            name: "aws_workspaces_scrape_duration_seconds",
            help: "Seconds the collection of WorkSpaces images in the region took.",
            type: .gauge, samples: [Sample(labels: regionLabel, value: seconds)]))
        return families
    }
}
