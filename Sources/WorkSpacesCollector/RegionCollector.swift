import AWSWorkSpaces
import Exposition
import Foundation
import Logging
import Synchronization

/// One region's collections. Concurrent scrapes share the collection in
/// flight instead of each calling the API, and with a minimum interval a
/// successful result younger than it is reused. These two are the only state
/// kept between scrapes, on purpose; everything else is built fresh.
final class RegionCollector: Sendable {
    /// What one collection produced; immutable once made.
    struct Result: Sendable {
        /// Image families, empty when the collection failed.
        let families: [MetricFamily]
        let succeeded: Bool
        /// Seconds the collection took.
        let seconds: Double
        let finished: ContinuousClock.Instant
        /// Unix seconds at the end of the collection.
        let finishedWallTime: Double
        /// Distinguishes results: the same generation means the same families.
        let generation: UInt64
    }

    /// One scrape's view of the region.
    struct Answer: Sendable {
        /// The result the scrape reports, nil when it ran out of time waiting.
        let result: Result?
        let lastSuccess: Result?
    }

    private struct InFlight {
        let id: UInt64
        let task: Task<Result, Never>
    }

    private struct State {
        var inFlight: InFlight?
        var lastSuccess: Result?
        var nextGeneration: UInt64 = 1
    }

    let client: WorkSpacesClient
    let query: ImageQuery
    let minInterval: Duration
    /// How long a collection may run, whoever started it: the server's own
    /// `--collector.timeout`, never a client's header, so that one scraper's
    /// short (or huge) timeout cannot decide the result the others share.
    let collectionTimeout: Duration
    let logger: Logger
    private let state = Mutex(State())

    init(client: WorkSpacesClient, query: ImageQuery, minInterval: Duration, collectionTimeout: Duration, logger: Logger) {
        self.client = client
        self.query = query
        self.minInterval = minInterval
        self.collectionTimeout = collectionTimeout
        self.logger = logger
    }

    var region: String { client.region }

    /// The region's result for a scrape that must answer by `deadline`.
    func collect(budget: CollectionBudget, deadline: ContinuousClock.Instant) async -> Answer {
        let clock = ContinuousClock()
        let now = clock.now
        let collectionDeadline = now.advanced(by: collectionTimeout)
        let collectionBudget = CollectionBudget(duration: collectionTimeout, source: "--collector.timeout")
        let (task, started, lastSuccess): (Task<Result, Never>?, Bool, Result?) = state.withLock { state in
            if minInterval > .zero, let last = state.lastSuccess, last.finished.duration(to: now) < minInterval {
                return (nil, false, last)
            }
            if let inFlight = state.inFlight { return (inFlight.task, false, state.lastSuccess) }
            let id = state.nextGeneration
            state.nextGeneration += 1
            // Unstructured: a scraper that gives up must not cancel the
            // collection others wait on. It still ends by its own deadline.
            let task = Task { await self.run(id: id, budget: collectionBudget, deadline: collectionDeadline) }
            state.inFlight = InFlight(id: id, task: task)
            return (task, true, state.lastSuccess)
        }
        guard let task else { return Answer(result: lastSuccess, lastSuccess: lastSuccess) }
        let result = await DeadlineRace.run(until: deadline) { await task.value }
        // When this scrape started the collection and has no earlier deadline,
        // the collection's own failure is the one log line; otherwise the
        // scrape ran out first and says so.
        if result == nil, !(started && deadline >= collectionDeadline) {
            RegionCollector.log(.deadlineExceeded("collection did not finish within \(budget.duration) (\(budget.source))"), region: region, logger: logger)
        }
        return Answer(result: result, lastSuccess: state.withLock { $0.lastSuccess })
    }

    private func run(id: UInt64, budget: CollectionBudget, deadline: ContinuousClock.Instant) async -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let client = self.client
        let query = self.query
        // Race the collection against the budget, so even a hung credential
        // source cannot make the collection outlive the scrape's timeout.
        let outcome = await DeadlineRace.run(until: deadline) { () -> Swift.Result<[WorkspaceImage], AWSClientError> in
            do throws(AWSClientError) {
                return .success(try await client.allWorkspaceImages(
                    imageType: query.imageType, imageIds: query.imageIds, pageSize: query.pageSize, deadline: deadline))
            } catch {
                return .failure(error)
            }
        } ?? .failure(.deadlineExceeded("collection did not finish within \(budget.duration) (\(budget.source))"))
        let finished = clock.now
        let wallTime = Date().timeIntervalSince1970
        var families: [MetricFamily] = []
        var succeeded = false
        switch outcome {
        case let .success(images):
            families = ImageMetrics.families(for: images, region: region, now: wallTime)
            succeeded = true
        case let .failure(error):
            Self.log(error, region: region, logger: logger)
        }
        let result = Result(
            families: families, succeeded: succeeded, seconds: start.duration(to: finished) / .seconds(1),
            finished: finished, finishedWallTime: wallTime, generation: id)
        state.withLock { state in
            if state.inFlight?.id == id { state.inFlight = nil }
            if result.succeeded { state.lastSuccess = result }
        }
        return result
    }

    /// The one log line a failed collection writes.
    static func log(_ error: AWSClientError, region: String, logger: Logger) {
        logger.error("DescribeWorkspaceImages failed", metadata: [
            "region": "\(region)", "code": "\(error.code)", "message": "\(error.message)",
        ])
    }
}
