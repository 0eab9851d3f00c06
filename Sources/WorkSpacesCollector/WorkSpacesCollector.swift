public import AWSWorkSpaces
import Exposition
import Foundation
public import Logging
import Synchronization

/// Collects every configured region on each scrape, concurrently, and returns
/// fresh families. Deliberately kept between scrapes: the API counters, each
/// region's collection in flight (shared by concurrent scrapes), its last
/// success (reused for `--collector.min-interval`), and the merged image
/// families of the latest generation, so a reused result is not merged again.
public final class WorkSpacesCollector: Sendable {
    let regions: [RegionCollector]
    let buildInfo: BuildInfo
    let apiMetrics: APIMetrics?
    let includeProcessMetrics: Bool
    private let merged = Mutex<(generation: [UInt64], families: [MetricFamily])?>(nil)

    /// - Parameters:
    ///   - minInterval: how long a successful collection is reused instead of
    ///     calling the API again; zero calls it on every scrape.
    ///   - collectionTimeout: how long one collection may run, shared by every
    ///     scrape that waits for it (each still answers by its own budget).
    public init(
        clients: [WorkSpacesClient], query: ImageQuery, minInterval: Duration = .zero, collectionTimeout: Duration = .seconds(30),
        buildInfo: BuildInfo = .current, apiMetrics: APIMetrics? = nil, includeProcessMetrics: Bool = true, logger: Logger
    ) {
        self.regions = clients.map {
            RegionCollector(client: $0, query: query, minInterval: minInterval, collectionTimeout: collectionTimeout, logger: logger)
        }
        self.buildInfo = buildInfo
        self.apiMetrics = apiMetrics
        self.includeProcessMetrics = includeProcessMetrics
    }

    /// The families for one scrape, merged across regions and sorted by name.
    /// Each region's answer comes within `budget`: a collection that has not
    /// finished by then reports `aws_workspaces_up 0`.
    public func collect(budget: CollectionBudget) async -> Scrape {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: budget.duration)
        let answers = await withTaskGroup(of: (Int, RegionCollector.Answer).self) { group in
            for (index, region) in regions.enumerated() {
                group.addTask { (index, await region.collect(budget: budget, deadline: deadline)) }
            }
            var answers = [RegionCollector.Answer?](repeating: nil, count: regions.count)
            for await (index, answer) in group { answers[index] = answer }
            return answers
        }
        let elapsed = start.duration(to: clock.now) / .seconds(1)
        let budgetSeconds = budget.duration / .seconds(1)

        var up: [Sample] = []
        var durations: [Sample] = []
        var timeouts: [Sample] = []
        var lastSuccess: [Sample] = []
        for (region, answer) in zip(regions, answers) {
            let labels = [Label("region", region.region)]
            up.append(Sample(labels: labels, value: answer?.result?.succeeded == true ? 1 : 0))
            durations.append(Sample(labels: labels, value: answer?.result?.seconds ?? elapsed))
            timeouts.append(Sample(labels: labels, value: budgetSeconds))
            if let success = answer?.lastSuccess {
                lastSuccess.append(Sample(labels: labels, value: success.finishedWallTime))
            }
        }
        func gauge(_ name: String, _ help: String, _ samples: [Sample]) -> MetricFamily {
            MetricFamily(name: name, help: help, type: .gauge, samples: samples)
        }
        var dynamic = [
            gauge("aws_workspaces_up",
                  "Whether the collection of WorkSpaces images in the region that this scrape reports succeeded (1) or not (0).", up),
            gauge("aws_workspaces_scrape_duration_seconds",
                  "Seconds the collection of WorkSpaces images in the region took (the reused one, under --collector.min-interval).", durations),
            gauge("aws_workspaces_scrape_timeout_seconds",
                  "Seconds the scrape could wait for the collection: X-Prometheus-Scrape-Timeout-Seconds less --collector.timeout-offset, or --collector.timeout.",
                  timeouts),
            gauge("aws_workspaces_last_success_timestamp_seconds",
                  "When the last successful collection in the region ended, in Unix seconds. With --collector.min-interval (for HA pairs and many scrapers) a scrape may reuse that result instead of calling the API.",
                  lastSuccess),
            buildInfo.family,
        ]
        dynamic += apiMetrics?.families() ?? []
        if includeProcessMetrics { dynamic += ProcessMetrics.families() }

        let generation = answers.map { $0?.result?.generation ?? 0 }
        let imageFamilies = mergedImageFamilies(generation: generation, answers: answers)
        // Every dynamic family holds all regions already; merge only orders them.
        let all = MetricFamily.merge(dynamic + imageFamilies).filter { !$0.samples.isEmpty }
        return Scrape(families: all, cacheable: Set(imageFamilies.map(\.name)), generation: generation)
    }

    /// The image families of all regions merged, reused while the regions'
    /// results are the same ones.
    private func mergedImageFamilies(generation: [UInt64], answers: [RegionCollector.Answer?]) -> [MetricFamily] {
        if let cached = merged.withLock({ $0 }), cached.generation == generation { return cached.families }
        let families = MetricFamily.merge(answers.flatMap { $0?.result?.families ?? [] })
        merged.withLock { $0 = (generation, families) }
        return families
    }
}
