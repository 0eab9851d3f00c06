import AWSCore
import AWSWorkSpaces
import AWSIAM
import Exposition
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Support
import Synchronization

/// One target's collections. Concurrent scrapes share the collection in
/// flight instead of each calling the API, and the target's API budget
/// (``CollectionPacer``, `--collector.min-interval`) decides when a scrape
/// reuses the last collection instead of starting one. These are the only
/// state kept between scrapes, on purpose, with a digest of the last answers
/// (``SourceFamilies``): the families are built fresh per collection, except
/// those whose answers are byte for byte the last collection's, which are
/// built only when read (``DeferredFamilies``).
final class TargetCollector: Sendable {
    /// How one collector fared in a collection.
    struct Outcome: Sendable {
        let success: Bool
        let seconds: Double
    }

    /// What one collection produced; immutable once made.
    struct Result: Sendable {
        let labels: TargetLabels
        /// The families of every collector that succeeded.
        let snapshot: Snapshot
        let outcomes: [CollectorKind: Outcome]
        /// Seconds the whole collection took.
        let seconds: Double
        let started: ContinuousClock.Instant
        let finished: ContinuousClock.Instant
        /// Unix seconds at the end of the collection.
        let finishedWallTime: Double

        /// The same result without its families, for the record of the last success.
        var withoutFamilies: Result {
            Result(
                labels: labels, snapshot: .empty, outcomes: outcomes, seconds: seconds, started: started, finished: finished,
                finishedWallTime: finishedWallTime)
        }

        /// What `aws_workspaces_up` reports: the images collector succeeded.
        var succeeded: Bool { outcomes[.images]?.success == true }
    }

    /// One scrape's view of the target.
    struct Answer: Sendable {
        /// The result the scrape reports, nil when it ran out of time waiting.
        let result: Result?
        let lastSuccess: Result?
        /// The labels to report under, known even without a result.
        let labels: TargetLabels
        /// Whether `result` is an earlier collection, served within the API budget.
        var reused = false
    }

    private struct InFlight {
        let id: UInt64
        let task: Task<Result, Never>
    }

    private struct State {
        var inFlight: InFlight?
        var lastSuccess: Result?
        /// The last collection, with its families (while the budget is on).
        var last: Result?
        var pacer: CollectionPacer
        var lastLabels: TargetLabels
        var nextID: UInt64 = 1
        var reportedDuplicates = false
        /// What the last collection built from its answers alone.
        var sources: SourceFamilies?
    }

    /// The families a collection built from its API answers and the target's
    /// labels alone (all but the image ages and the image permissions): the
    /// digest of all of that, the names of those families that were not
    /// empty, and how many image ids repeated. A collection whose answers
    /// have the same digest leaves those families unbuilt (``DeferredFamilies``):
    /// a probe whose pieces are kept never builds them. Not with the
    /// WorkSpaces collector on: its answers change as WorkSpaces start and
    /// stop, and left undecoded they would be kept whole (about 1 kB a
    /// WorkSpace) where their families are a few counts.
    struct SourceFamilies: Sendable {
        let digest: UInt64
        let names: [String]
        let duplicates: Int
        /// What the image ages are computed from, in the order of their series.
        let ages: [ImageMetrics.AgeSource]
        /// Each listing's page records: a page answered with the same bytes
        /// again is not decoded (``Listing``).
        let imagePages: [PageRecord]
        let bundlePages: [PageRecord]
    }

    let target: Target
    let identity: Identity
    let endpoint: Endpoint
    let settings: CollectorSettings
    let observer: any APIObserver
    let limit: ConcurrencyLimit
    /// The organisation's accounts when discovery listed all of them.
    let organization: @Sendable () -> Set<String>?
    let permissionsCache = ImagePermissionsCache()
    private let state: Locked<State>

    init(
        target: Target, identity: Identity, endpoint: Endpoint, settings: CollectorSettings, observer: any APIObserver, limit: ConcurrencyLimit,
        organization: @escaping @Sendable () -> Set<String>? = { nil }
    ) {
        self.organization = organization
        self.name = Locked(target.accountName)
        self.target = target
        self.identity = identity
        self.endpoint = endpoint
        self.settings = settings
        self.observer = observer
        self.limit = limit
        let labels = TargetLabels(accountId: identity.knownAccount ?? target.knownAccount ?? LabelValues.unknown, region: target.region)
        self.state = Locked(State(pacer: CollectionPacer(interval: settings.minInterval), lastLabels: labels))
    }

    var labels: TargetLabels { state.withLock { $0.lastLabels } }

    private let name: Locked<String?>
    /// Scrapes and probes answered with an earlier collection.
    private let reusedCount = Atomic<Int>(0)

    var reusedTotal: Int { reusedCount.load(ordering: .relaxed) }

    /// The account's name from discovery; follows renames without a new collector.
    var accountName: String? {
        get { name.withLock { $0 } }
        set { name.withLock { $0 = newValue } }
    }

    /// The account, when known: configured, from the role ARN, or learned.
    var account: String? { identity.knownAccount ?? target.knownAccount }

    /// The target's result for a scrape that must answer by `deadline`.
    func collect(budget: CollectionBudget, deadline: ContinuousClock.Instant) async -> Answer {
        let clock = ContinuousClock()
        let collectionDeadline = clock.now.advanced(by: settings.collectionTimeout)
        enum Decision {
            case join(Task<Result, Never>, started: Bool)
            case reuse(Result)
        }
        let (decision, lastSuccess, labels): (Decision, Result?, TargetLabels) = state.withLock { state in
            // The time of the decision, read under the lock: a scrape deciding
            // after ``releaseUnservable(now:)`` dropped the last collection sees
            // a later time than it did, so it would not have reused it either.
            let now = clock.now
            if let inFlight = state.inFlight { return (.join(inFlight.task, started: false), state.lastSuccess, state.lastLabels) }
            if let last = state.last {
                // A success within the budget's window; or, once the budget is
                // spent (failures retried), whatever came last.
                if last.succeeded, state.pacer.reuses(successStartedAt: last.started, now: now) {
                    return (.reuse(last), state.lastSuccess, state.lastLabels)
                }
                if !state.pacer.start(at: now) { return (.reuse(last), state.lastSuccess, state.lastLabels) }
            } else {
                _ = state.pacer.start(at: now)
            }
            let id = state.nextID
            state.nextID += 1
            // Unstructured: a scraper that gives up must not cancel the
            // collection others wait on. It still ends by its own deadline.
            let task = Task(executorPreference: WorkerThreads.current) { await self.run(id: id, deadline: collectionDeadline) }
            state.inFlight = InFlight(id: id, task: task)
            return (.join(task, started: true), state.lastSuccess, state.lastLabels)
        }
        let task: Task<Result, Never>, started: Bool
        switch decision {
        case let .reuse(result):
            reusedCount.wrappingAdd(1, ordering: .relaxed)
            return Answer(result: result, lastSuccess: lastSuccess, labels: result.labels, reused: true)
        case let .join(joined, startedHere):
            (task, started) = (joined, startedHere)
        }
        let result = await DeadlineRace.run(until: deadline) { await task.value }
        // A scrape that started the collection with a budget no shorter than
        // the collection's own has the collection's failure as its one log
        // line; otherwise the scrape ran out first and says so.
        if result == nil, !(started && budget.duration >= settings.collectionTimeout), !Task.isCancelled {
            Self.log(.deadlineExceeded("collection did not finish within \(budget.duration) (\(budget.source))"),
                     operation: "collection", labels: labels, logger: settings.logger)
        }
        let (last, current) = state.withLock { ($0.lastSuccess, $0.lastLabels) }
        return Answer(result: result, lastSuccess: last, labels: result?.labels ?? current)
    }

    /// Drops the last collection when no scrape can be served it any more: a
    /// success past its reuse window while the budget has a token, so that
    /// the next scrape starts a new collection whatever happens meanwhile.
    /// Without this every target probed once a minute held its families (about
    /// 130 kB for 100 images) for the whole minute: 156 MiB at 1,000 targets.
    /// True when something was dropped.
    @discardableResult
    func releaseUnservable(now: ContinuousClock.Instant) -> Bool {
        state.withLock { state in
            guard let last = state.last, last.succeeded, state.inFlight == nil,
                  !state.pacer.reuses(successStartedAt: last.started, now: now), state.pacer.hasToken(at: now)
            else { return false }
            state.last = nil
            return true
        }
    }

    /// Gathers under `deadline` with the concurrency limit; builds the result.
    private func run(id: UInt64, deadline: ContinuousClock.Instant) async -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let budget = settings.collectionTimeout
        // Race the collection against its budget, so even a hung credential
        // source cannot make it outlive the scrape's timeout.
        let gathered = await DeadlineRace.run(until: deadline) {
            await self.limit.run { await self.gather(deadline: deadline) }
        } ?? Gathered(failure: .deadlineExceeded("collection did not finish within \(budget) (--collector.timeout)"), account: nil)
        let finished = clock.now
        let wallTime = Date().timeIntervalSince1970
        let labels = TargetLabels(
            accountId: gathered.account ?? identity.knownAccount ?? target.knownAccount ?? LabelValues.unknown, region: target.region)
        let (families, deferred, outcomes) = build(gathered, labels: labels, now: wallTime, elapsed: start.duration(to: finished) / .seconds(1))
        let result = Result(
            labels: labels, snapshot: Snapshot(families: families, deferred: deferred), outcomes: outcomes,
            seconds: start.duration(to: finished) / .seconds(1), started: start, finished: finished, finishedWallTime: wallTime)
        state.withLock { state in
            if state.inFlight?.id == id { state.inFlight = nil }
            if result.succeeded { state.lastSuccess = result.withoutFamilies }
            // With --collector.min-interval 0 nothing reuses the families:
            // keep only when and how it went, not the images (about 100 kB a
            // target of 100 images, 100 MB at 1,000 targets).
            state.last = settings.minInterval > .zero ? result : nil
            state.lastLabels = labels
        }
        return result
    }

    /// What the API calls of one collection returned.
    struct Gathered: Sendable {
        typealias Call<T: Sendable> = (result: Swift.Result<T, AWSClientError>, seconds: Double)
        /// Fails every collector at once: no account, or out of time.
        var failure: AWSClientError?
        var account: String?
        var images: Call<Listing<WorkspaceImage>>?
        var bundles: Call<Listing<WorkspaceBundle>>?
        var workspaces: Call<Listing<Workspace>>?
        /// Owned image id to the accounts it is shared with (those known), and
        /// why some could not be asked (which fails the collector).
        var permissions: (known: [String: [String]], failure: AWSClientError?, seconds: Double)?
        /// The account's alias (nil inside: it has none).
        var alias: Call<String?>?

        init(failure: AWSClientError?, account: String?) {
            self.failure = failure
            self.account = account
        }
    }

    private func gather(deadline: ContinuousClock.Instant) async -> Gathered {
        // Credentials and the account first: a refused role or a broken
        // credential source fails the target once, not once per collector.
        let account: String
        do {
            _ = try await identity.credentials.credentials()
            account = try await identity.accountId(deadline: deadline)
        } catch {
            return Gathered(failure: error, account: nil)
        }
        let client = WorkSpacesClient(
            sender: settings.sender(
                service: "workspaces", region: target.region, endpoint: endpoint, account: account, credentials: identity.credentials, observer: observer),
            maxPages: settings.maxPages)
        let query = target.query
        let collectors = target.collectors
        let known = state.withLock { $0.sources }
        // The other collectors' calls in child tasks, only those enabled; the
        // images in this task meanwhile (each child costs a task and, on the
        // scrape threads, a thread woken).
        enum Part: Sendable {
            case bundles(Gathered.Call<Listing<WorkspaceBundle>>)
            case workspaces(Gathered.Call<Listing<Workspace>>)
            case alias(Gathered.Call<String?>)
        }
        var gathered = Gathered(failure: nil, account: account)
        await withTaskGroup(of: Part.self) { group in
            if collectors.contains(.bundles) {
                group.addTask {
                    .bundles(await Self.timed { () async throws(AWSClientError) in
                        try await client.allWorkspaceBundles(deadline: deadline, known: known?.bundlePages ?? [])
                    })
                }
            }
            if collectors.contains(.workspaces) {
                group.addTask {
                    .workspaces(await Self.timed { () async throws(AWSClientError) in try await client.allWorkspaces(deadline: deadline) })
                }
            }
            if collectors.contains(.accountAlias) {
                group.addTask {
                    .alias(await Self.timed { () async throws(AWSClientError) in
                        try await self.identity.accountAlias { () async throws(AWSClientError) -> String? in
                            try await self.iamClient(account: account).accountAlias(deadline: deadline)
                        }
                    })
                }
            }
            gathered.images = await Self.timed { () async throws(AWSClientError) in
                try await client.allWorkspaceImages(
                    imageType: query.imageType, imageIds: query.imageIds, pageSize: query.pageSize, deadline: deadline, known: known?.imagePages ?? [])
            }
            // Pages left undecoded (answered as last time) are decoded for it;
            // should that fail, the images collector fails and nobody is asked.
            if collectors.contains(.imagePermissions), case let .success(listing)? = gathered.images?.result,
               let found = Self.items(of: listing, into: &gathered.images) {
                // Owned images only: another account's shared image has no
                // permissions of ours. AWS always sends OwnerAccountId; without it, assume owned.
                // The ids as AWS sent them (not their label form): they go back to AWS.
                let owned = Set(found.filter { $0.ownerAccountId == nil || $0.ownerAccountId == account }.compactMap(\.imageId))
                let clock = ContinuousClock()
                let start = clock.now
                let result = await permissionsCache.permissions(owned: owned, interval: settings.imagePermissionsInterval) {
                    (id: String) async throws(AWSClientError) -> [String] in
                    try await client.imagePermissions(imageId: id, deadline: deadline)
                }
                gathered.permissions = (result.permissions, result.failure, start.duration(to: clock.now) / .seconds(1))
            }
            for await part in group {
                switch part {
                case let .bundles(call): gathered.bundles = call
                case let .workspaces(call): gathered.workspaces = call
                case let .alias(call): gathered.alias = call
                }
            }
        }
        return gathered
    }

    /// Every item of `listing`, which `call` then holds decoded (its pages'
    /// bytes no longer kept); or nil with `call` turned into the failure to decode them.
    private static func items<T>(of listing: Listing<T>, into call: inout Gathered.Call<Listing<T>>?) -> [T]? {
        do throws(AWSClientError) {
            let decoded = try listing.decoded()
            call = (.success(decoded), call?.seconds ?? 0)
            return try decoded.items()
        } catch {
            call = (.failure(error), call?.seconds ?? 0)
            return nil
        }
    }

    /// IAM, global: its partition's endpoint (or `AWS_ENDPOINT_URL_IAM`, `AWS_ENDPOINT_URL`).
    private func iamClient(account: String) throws(AWSClientError) -> IAMClient {
        let endpoint = try settings.endpoint(service: "iam", region: target.region)
        return IAMClient(sender: settings.sender(
            service: "iam", region: target.region, endpoint: endpoint, account: account, credentials: identity.credentials, observer: observer,
            maxBodyBytes: 1 << 20))
    }

    /// The account's IAM alias, when the account-alias collector has learned it.
    var accountAlias: String? { identity.knownAlias }

    private static func timed<T: Sendable>(_ call: @Sendable () async throws(AWSClientError) -> T) async -> Gathered.Call<T> {
        let clock = ContinuousClock()
        let start = clock.now
        let result: Swift.Result<T, AWSClientError>
        do throws(AWSClientError) {
            result = .success(try await call())
        } catch {
            result = .failure(error)
        }
        return (result, start.duration(to: clock.now) / .seconds(1))
    }

    /// The families of what succeeded (those left unbuilt, as their answers
    /// are the last collection's, apart), and every enabled collector's
    /// outcome. Each failure is logged once.
    private func build(_ gathered: Gathered, labels: TargetLabels, now: Double, elapsed: Double) -> ([MetricFamily], DeferredFamilies?, [CollectorKind: Outcome]) {
        let logger = settings.logger
        var outcomes: [CollectorKind: Outcome] = [:]
        if let failure = gathered.failure {
            Self.log(failure, operation: failure.code == "DeadlineExceeded" ? "collection" : "getting credentials and account id", labels: labels, logger: logger)
            for kind in target.collectors { outcomes[kind] = Outcome(success: false, seconds: elapsed) }
            return ([], nil, outcomes)
        }
        var families: [MetricFamily] = []
        func record<T>(_ kind: CollectorKind, _ call: Gathered.Call<T>?) -> T? {
            guard let call else { return nil }
            switch call.result {
            case let .success(value):
                outcomes[kind] = Outcome(success: true, seconds: call.seconds)
                return value
            case let .failure(error):
                outcomes[kind] = Outcome(success: false, seconds: call.seconds)
                Self.log(error, operation: kind.operation, action: kind.action, labels: labels, logger: logger)
                return nil
            }
        }
        let images = record(.images, gathered.images)
        let bundles = record(.bundles, gathered.bundles)
        let workspaces = record(.workspaces, gathered.workspaces)
        _ = record(.accountAlias, gathered.alias)
        if let permissions = gathered.permissions {
            // One image refused (deleted meanwhile, throttled) fails the
            // collector but hides no other image: their answers, fresh or
            // cached, are still exported.
            outcomes[.imagePermissions] = Outcome(success: permissions.failure == nil, seconds: permissions.seconds)
            if let failure = permissions.failure {
                Self.log(failure, operation: CollectorKind.imagePermissions.operation, action: CollectorKind.imagePermissions.action, labels: labels, logger: logger)
            }
            families += ImagePermissionsMetrics.families(permissions.known, organization: organization(), target: labels)
        }
        // The same answers as the last collection: only the ages are new;
        // the rest is built only if a reader needs it (the pieces `/probe`
        // kept for it are reused without).
        if let images, !target.collectors.contains(.workspaces), let last = state.withLock({ $0.sources }),
           last.digest == Self.sourceDigest(images: images, bundles: bundles, workspaces: nil, labels: labels) {
            settings.logger.debug("API answers unchanged since the last collection; their families are built only if needed",
                                  metadata: ["account_id": "\(labels.accountId)", "region": "\(labels.region)"])
            families.append(Self.withAgeDigest(ImageMetrics.ageFamily(last.ages, target: labels, now: now), sourceDigest: last.digest))
            if last.duplicates > 0 { reportDuplicates(last.duplicates, labels: labels) }
            let logger = settings.logger
            let deferred = DeferredFamilies(names: last.names, sourceDigest: last.digest) { [weak self] in
                // Bytes that decoded in the collection the names come from:
                // should they not now, say so, and have the next collection
                // decode and build everything.
                let imageItems: [WorkspaceImage], bundleItems: [WorkspaceBundle]?
                do throws(AWSClientError) {
                    imageItems = try images.items()
                    bundleItems = try bundles?.items()
                } catch {
                    Self.log(error, operation: "decoding answers decoded before", labels: labels, logger: logger)
                    self?.state.withLock { $0.sources = nil }
                    return []
                }
                return Self.sourceFamilies(images: imageItems, bundles: bundleItems, workspaces: nil, labels: labels, now: now).families
                    .filter { $0.name != ImageMetrics.ageFamilyName && !$0.samples.isEmpty }.map { $0.withSourceDigest(last.digest) }
            }
            return (families, deferred, outcomes)
        }
        // Pages answered as before were left undecoded: decoded now.
        func decoded<T>(_ kind: CollectorKind, _ listing: Listing<T>?) -> (listing: Listing<T>, items: [T])? {
            guard let listing else { return nil }
            do throws(AWSClientError) {
                return (listing, try listing.items())
            } catch {
                outcomes[kind] = Outcome(success: false, seconds: outcomes[kind]?.seconds ?? elapsed)
                Self.log(error, operation: kind.operation, labels: labels, logger: logger)
                return nil
            }
        }
        let bundleItems = decoded(.bundles, bundles), workspaceItems = decoded(.workspaces, workspaces)
        guard let (imageListing, imageItems) = decoded(.images, images) else {
            // Without the images nothing is matched against them: the bundles
            // and WorkSpaces alone, built as they are.
            if let bundleItems { families += UsageMetrics.bundleFamilies(bundleItems.items, target: labels) }
            if let workspaceItems { families += UsageMetrics.workspaceFamilies(workspaceItems.items, target: labels) }
            return (families, nil, outcomes)
        }
        let digest = Self.sourceDigest(images: imageListing, bundles: bundleItems?.listing, workspaces: workspaceItems?.listing, labels: labels)
        let built = Self.sourceFamilies(images: imageItems, bundles: bundleItems?.items, workspaces: workspaceItems?.items, labels: labels, now: now)
        var fromSources: [String] = []
        for family in built.families {
            if family.name == ImageMetrics.ageFamilyName {
                families.append(Self.withAgeDigest(family, sourceDigest: digest))
            } else {
                families.append(family.withSourceDigest(digest))
                if !family.samples.isEmpty { fromSources.append(family.name) }
            }
        }
        if built.duplicates > 0 { reportDuplicates(built.duplicates, labels: labels) }
        let sources = SourceFamilies(
            digest: digest, names: fromSources, duplicates: built.duplicates, ages: built.ages, imagePages: imageListing.records,
            bundlePages: bundleItems?.listing.records ?? [])
        state.withLock { $0.sources = sources }
        return (families, nil, outcomes)
    }

    /// The image, bundle and WorkSpaces families of the answers, and how
    /// many image ids repeated.
    private static func sourceFamilies(
        images: [WorkspaceImage], bundles: [WorkspaceBundle]?, workspaces: [Workspace]?, labels: TargetLabels, now: Double
    ) -> (families: [MetricFamily], duplicates: Int, ages: [ImageMetrics.AgeSource]) {
        let mapped = ImageMetrics.build(images, target: labels, now: now)
        var families = mapped.families
        if let bundles {
            families += UsageMetrics.bundleFamilies(bundles, target: labels)
            families.append(UsageMetrics.imageBundles(imageIds: mapped.ids, bundles: bundles, target: labels))
        }
        if let workspaces {
            families += UsageMetrics.workspaceFamilies(workspaces, target: labels)
            if let bundles {
                families.append(UsageMetrics.imageWorkspaces(imageIds: mapped.ids, bundles: bundles, workspaces: workspaces, target: labels))
            }
        }
        return (families, mapped.duplicates, mapped.ages)
    }

    /// A digest of everything ``sourceFamilies(images:bundles:workspaces:labels:now:)``
    /// builds from but the time: each listing's digest (or its absence) and the labels.
    static func sourceDigest(
        images: Listing<WorkspaceImage>, bundles: Listing<WorkspaceBundle>?, workspaces: Listing<Workspace>?, labels: TargetLabels
    ) -> UInt64 {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(96)
        func append(_ word: UInt64) { withUnsafeBytes(of: word.littleEndian) { bytes += $0 } }
        func append(_ text: String) {
            append(UInt64(text.utf8.count))
            bytes += text.utf8
        }
        append(images.digest)
        append(bundles == nil ? 0 : 1)
        append(bundles?.digest ?? 0)
        append(workspaces == nil ? 0 : 1)
        append(workspaces?.digest ?? 0)
        append(labels.accountId)
        append(labels.region)
        return bytes.withUnsafeBytes { SipHash.random.hash($0) }
    }

    /// The age family with a digest of its own: the collection's source
    /// digest (its series come from the images and labels alone) and its
    /// values. It changes with every collection, and this spares `/probe`
    /// hashing its text sample by sample to learn that.
    static func withAgeDigest(_ family: MetricFamily, sourceDigest: UInt64) -> MetricFamily {
        var words: [UInt64] = [sourceDigest, UInt64(family.samples.count)]
        words.reserveCapacity(family.samples.count + 2)
        for sample in family.samples { words.append(sample.value.bitPattern) }
        return family.withSourceDigest(words.withUnsafeBytes { SipHash.random.hash($0) })
    }

    /// Warns the first time the API repeats image ids for this target; after that at debug.
    private func reportDuplicates(_ count: Int, labels: TargetLabels) {
        let first = state.withLock { state -> Bool in
            defer { state.reportedDuplicates = true }
            return !state.reportedDuplicates
        }
        let metadata: Logger.Metadata = ["account_id": "\(labels.accountId)", "region": "\(labels.region)", "duplicates": "\(count)"]
        if first {
            settings.logger.warning("DescribeWorkspaceImages returned the same ImageId more than once; each id is counted once", metadata: metadata)
        } else {
            settings.logger.debug("DescribeWorkspaceImages returned the same ImageId more than once", metadata: metadata)
        }
    }

    /// The one log line a failure writes: the AWS code, its message, and for
    /// a refusal the IAM action the policy needs.
    static func log(_ error: AWSClientError, operation: String, action: String? = nil, labels: TargetLabels, logger: Logger) {
        var metadata: Logger.Metadata = [
            "account_id": "\(labels.accountId)", "region": "\(labels.region)", "code": "\(error.code)", "message": "\(error.message)",
        ]
        if let action, case let .service(code, _, status) = error, status == 403 || code.hasPrefix("AccessDenied") || code == "UnauthorizedOperation" {
            metadata["hint"] = "the IAM policy needs \(action)"
        }
        logger.error("\(operation) failed", metadata: metadata)
    }
}
