public import AWSCore
import AWSWorkSpaces
public import Exposition
import Logging
import Support
import Synchronization

/// Collects every target on each scrape, concurrently (at most
/// `--collector.max-concurrency` at once), and returns fresh families.
///
/// Kept between scrapes, on purpose and nothing else: the API counters, each
/// target's collection in flight and last success (in ``TargetCollector``),
/// and the identities (credentials and learned account ids). The target set
/// can be replaced while running (`apply(_:)`, for a configuration reload):
/// targets that stay keep their state, removed ones stop being exported.
public final class WorkSpacesCollector: Sendable {
    let settings: CollectorSettings
    let baseCredentials: any CredentialProvider
    let sts: STSClient
    let buildInfo: BuildInfo
    public let apiMetrics: APIMetrics
    let limit: ConcurrencyLimit
    private let targets = Locked<[TargetCollector]>([])
    private let identities = Locked<[IdentityKey: Identity]>([:])
    private let reportedCollisions = Locked<Set<TargetLabels>>([])
    private let organizationAccounts = Locked<Set<String>?>(nil)
    /// When the targets were last looked over for collections no scrape can
    /// be served any more (at most once a second, on a scrape or probe).
    private let lastRelease = Locked<ContinuousClock.Instant?>(nil)

    public init(
        settings: CollectorSettings, baseCredentials: any CredentialProvider, sts: STSClient, targets: [Target],
        buildInfo: BuildInfo = .current, apiMetrics: APIMetrics = APIMetrics()
    ) throws(AWSClientError) {
        self.settings = settings
        self.baseCredentials = baseCredentials
        self.sts = sts
        self.buildInfo = buildInfo
        self.apiMetrics = apiMetrics
        self.limit = ConcurrencyLimit(limit: settings.maxConcurrency)
        try apply(targets)
    }

    /// The targets being collected.

    /// Replaces the target set. A target equal to a current one keeps its
    /// collector (its in-flight collection and last success); identities are
    /// shared and kept. Fails without changing anything when an endpoint
    /// cannot be resolved.
    /// `organization`: every account of the organisation when discovery listed
    /// the whole of it (nil otherwise): images shared with any other account
    /// count as shared outside it.
    public func apply(_ newTargets: [Target], organization: Set<String>? = nil) throws(AWSClientError) {
        let current = targets.withLock { $0 }
        var kept: [TargetCollector] = []
        let byTarget = Dictionary(current.map { ($0.target, $0) }, uniquingKeysWith: { first, _ in first })
        for target in newTargets {
            if let existing = byTarget[target] {
                // Equal targets may differ in the account's name (renamed in Organizations).
                existing.accountName = target.accountName
                kept.append(existing)
                continue
            }
            let endpoint = try settings.endpoint(service: "workspaces", region: target.region, override: settings.endpointOverride)
            kept.append(TargetCollector(
                target: target, identity: identity(for: target), endpoint: endpoint, settings: settings, observer: apiMetrics, limit: limit,
                organization: { [weak self] in self?.organization }))
        }
        let keptIds = Set(kept.map(ObjectIdentifier.init))
        let removed = current.filter { !keptIds.contains(ObjectIdentifier($0)) }
        targets.withLock { $0 = kept }
        organizationAccounts.withLock { $0 = organization }
        // A removed target's API series go with it; an account no target uses
        // any more loses its STS series (in the STS region) too.
        let keptPairs = Set(kept.map { APIContext(accountId: $0.labels.accountId, region: $0.labels.region) })
        let keptAccounts = Set(kept.map(\.labels.accountId))
        let removedPairs = Set(removed.map { APIContext(accountId: $0.labels.accountId, region: $0.labels.region) }).subtracting(keptPairs)
        let removedAccounts = Set(removed.map(\.labels.accountId)).subtracting(keptAccounts)
        apiMetrics.remove { removedPairs.contains($0) || removedAccounts.contains($0.accountId) }
        // One line per target added or removed while few change (a start,
        // a reload); a discovery of hundreds of accounts says it in one line.
        let currentIds = Set(current.map(ObjectIdentifier.init))
        let added = kept.filter { !currentIds.contains(ObjectIdentifier($0)) }
        let verbose = added.count + removed.count <= 20
        for collector in added {
            settings.logger.log(level: verbose ? .info : .debug, "collecting", metadata: [
                "account_id": "\(collector.labels.accountId)", "region": "\(collector.target.region)", "endpoint": "\(collector.endpoint)",
                "role": "\(collector.target.role?.arn ?? "none")",
                "collectors": "\(collector.target.collectors.sorted().map(\.rawValue).joined(separator: ","))",
            ])
        }
        for collector in removed {
            settings.logger.log(level: verbose ? .info : .debug, "no longer collecting", metadata: [
                "account_id": "\(collector.labels.accountId)", "region": "\(collector.target.region)",
            ])
        }
        if !verbose {
            settings.logger.info("targets changed", metadata: ["added": "\(added.count)", "removed": "\(removed.count)", "targets": "\(kept.count)"])
        }
    }

    /// The organisation's accounts as the last ``apply(_:organization:)`` gave them.
    var organization: Set<String>? { organizationAccounts.withLock { $0 } }

    private func identity(for target: Target) -> Identity {
        identities.withLock { identities in
            if let existing = identities[target.identityKey] { return existing }
            let credentials: any CredentialProvider
            if let role = target.role {
                credentials = DefaultCredentialChain.assuming(
                    role, from: baseCredentials, sts: sts, refreshTimeout: settings.collectionTimeout + .seconds(30), logger: settings.logger)
            } else {
                credentials = baseCredentials
            }
            let identity = Identity(credentials: credentials, sts: sts, account: target.knownAccount)
            identities[target.identityKey] = identity
            return identity
        }
    }

    /// The families for one `/metrics` scrape: every target (unless
    /// `includeTargets` is false, for `--no-web.metrics-targets`), the build
    /// info and the API metrics. The exporter adds its own (process, reload,
    /// discovery, HTTP client) in ``ExporterHandler``. Each target's answer comes within `budget`:
    /// a collection that has not finished by then reports up 0.
    public func collect(budget: CollectionBudget, includeTargets: Bool = true) async -> Scrape {
        releaseUnservable()
        let collectors = includeTargets ? targets.withLock { $0 } : []
        let (snapshots, targetFamilies) = await collect(collectors, budget: budget)
        var live = targetFamilies
        live.append(buildInfo.family)
        live += apiMetrics.families()
        return Scrape(snapshots: snapshots, live: live.map { $0.sorted() })
    }

    /// The families for one `/probe` scrape of the target collecting
    /// `accountId` in `region`: its collection and its `aws_workspaces_up`,
    /// nothing of the exporter's own. Nil when no configured or discovered
    /// target is that account and region; nothing is called then, except
    /// `GetCallerIdentity` for targets whose account is not yet known.
    public func probe(accountId: String, region: String, budget: CollectionBudget) async -> Scrape? {
        releaseUnservable()
        let deadline = ContinuousClock.now.advanced(by: budget.duration)
        guard let collector = await find(accountId: accountId, region: region, deadline: deadline) else { return nil }
        // Learning an account (STS) came out of the same budget: same deadline.
        let (snapshots, families) = await collect([collector], budget: budget, deadline: deadline)
        return Scrape(snapshots: snapshots, live: families.map { $0.sorted() }, source: "\(accountId)/\(region)")
    }

    /// Frees the families of collections past their reuse window, every
    /// target's, at most once a second: targets probed once a minute would
    /// otherwise each hold their last families until their next probe.
    func releaseUnservable(now: ContinuousClock.Instant = .now) {
        let due = lastRelease.withLock { last -> Bool in
            if let last, last.duration(to: now) < .seconds(1) { return false }
            last = now
            return true
        }
        guard due else { return }
        for collector in targets.withLock({ $0 }) { collector.releaseUnservable(now: now) }
    }

    /// One entry per target for `/sd`: its account (learned from STS for the
    /// exporter's own identity), region and account name; and how many
    /// targets are left out because their account is still unknown.
    public func targetList(deadline: ContinuousClock.Instant) async -> (targets: [(labels: TargetLabels, accountName: String?)], unknown: Int) {
        let collectors = targets.withLock { $0 }
        await learnAccounts(of: collectors, deadline: deadline)
        var seen: Set<TargetLabels> = []
        var list: [(labels: TargetLabels, accountName: String?)] = []
        var unknown = 0
        for collector in collectors {
            guard let account = collector.account else {
                unknown += 1
                continue
            }
            let labels = TargetLabels(accountId: account, region: collector.target.region)
            guard seen.insert(labels).inserted else { continue }
            list.append((labels, collector.accountName.map(LabelValues.text)))
        }
        return (list, unknown)
    }

    /// Whether `/probe` would find the target, without calling AWS: false only
    /// when no target of the region can be it (every account there is known
    /// and none matches), as HEAD answers.
    public func mayProbe(accountId: String, region: String) -> Bool {
        let collectors = targets.withLock { $0 }.filter { $0.target.region == region }
        return collectors.contains { $0.account == accountId || $0.account == nil }
    }

    /// The target for `accountId` and `region`, learning unknown accounts first if needed.
    private func find(accountId: String, region: String, deadline: ContinuousClock.Instant) async -> TargetCollector? {
        let collectors = targets.withLock { $0 }.filter { $0.target.region == region }
        if let found = collectors.first(where: { $0.account == accountId }) { return found }
        let unknown = collectors.filter { $0.account == nil }
        guard !unknown.isEmpty else { return nil }
        await learnAccounts(of: unknown, deadline: deadline)
        return unknown.first { $0.account == accountId }
    }

    /// Asks STS for the accounts not known yet (one call per identity), within `deadline`.
    private func learnAccounts(of collectors: [TargetCollector], deadline: ContinuousClock.Instant) async {
        let unknown = collectors.filter { $0.account == nil }
        guard !unknown.isEmpty else { return }
        var identities: [ObjectIdentifier: Identity] = [:]
        for collector in unknown { identities[ObjectIdentifier(collector.identity)] = collector.identity }
        await withTaskGroup(of: Void.self) { group in
            for identity in identities.values {
                group.addTask {
                    _ = await DeadlineRace.run(until: deadline) { try? await identity.accountId(deadline: deadline) }
                }
            }
        }
    }

    /// Collects `collectors` concurrently; their snapshots and the per-target families.
    private func collect(_ collectors: [TargetCollector], budget: CollectionBudget, deadline: ContinuousClock.Instant? = nil) async -> ([Snapshot], [MetricFamily]) {
        guard !collectors.isEmpty else { return ([], []) }
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = deadline ?? start.advanced(by: budget.duration)
        let answers = await withTaskGroup(of: (Int, TargetCollector.Answer).self) { group in
            for (index, collector) in collectors.enumerated() {
                group.addTask { (index, await collector.collect(budget: budget, deadline: deadline)) }
            }
            var answers = [TargetCollector.Answer?](repeating: nil, count: collectors.count)
            for await (index, answer) in group { answers[index] = answer }
            return answers.compactMap { $0 }
        }
        let elapsed = start.duration(to: clock.now) / .seconds(1)
        let budgetSeconds = budget.duration / .seconds(1)

        var up: [Sample] = [], durations: [Sample] = [], timeouts: [Sample] = [], lastSuccess: [Sample] = []
        var collectorSuccess: [Sample] = [], collectorDurations: [Sample] = [], accountInfo: [Sample] = []
        var ages: [Sample] = [], reused: [Sample] = []
        let now = clock.now
        var snapshots: [Snapshot] = []
        var seen: Set<TargetLabels> = []
        var named: Set<String> = []
        for (collector, answer) in zip(collectors, answers) {
            // Two targets that turn out to be the same account and region
            // would write the same series twice: the first one wins.
            guard seen.insert(answer.labels).inserted else {
                reportCollision(answer.labels)
                continue
            }
            let labels = answer.labels.with()
            up.append(Sample(labels: labels, value: answer.result?.succeeded == true ? 1 : 0))
            durations.append(Sample(labels: labels, value: answer.result?.seconds ?? elapsed))
            timeouts.append(Sample(labels: labels, value: budgetSeconds))
            if let success = answer.lastSuccess {
                lastSuccess.append(Sample(labels: labels, value: success.finishedWallTime))
            }
            if let result = answer.result {
                ages.append(Sample(labels: labels, value: max(0, result.finished.duration(to: now) / .seconds(1))))
            }
            reused.append(Sample(labels: labels, value: Double(collector.reusedTotal)))
            for kind in collector.target.collectors.sorted() {
                let outcome = answer.result?.outcomes[kind]
                let kindLabels = answer.labels.with([Label("collector", kind.rawValue)])
                collectorSuccess.append(Sample(labels: kindLabels, value: outcome?.success == true ? 1 : 0))
                collectorDurations.append(Sample(labels: kindLabels, value: outcome?.seconds ?? elapsed))
            }
            let name = collector.accountName
            let alias = collector.target.collectors.contains(.accountAlias) ? collector.accountAlias : nil
            if name != nil || alias != nil, named.insert(answer.labels.accountId).inserted {
                var labels = [Label("account_id", answer.labels.accountId)]
                if let alias { labels.append(Label("account_alias", LabelValues.text(alias))) }
                if let name { labels.append(Label("account_name", LabelValues.text(name))) }
                accountInfo.append(Sample(labels: labels.sorted { $0.name < $1.name }, value: 1))
            }
            snapshots.append(answer.result?.snapshot ?? .empty)
        }
        func gauge(_ name: String, _ help: String, _ samples: [Sample]) -> MetricFamily {
            MetricFamily(name: name, help: help, type: .gauge, samples: samples)
        }
        var families = [
            gauge("aws_workspaces_up",
                  "Whether the collection of WorkSpaces images for the account and region that this scrape reports succeeded (1) or not (0).", up),
            gauge("aws_workspaces_scrape_duration_seconds",
                  "Seconds the collection for the account and region took (the reused one, under --collector.min-interval).", durations),
            gauge("aws_workspaces_scrape_timeout_seconds",
                  "Seconds the scrape could wait for the collection: X-Prometheus-Scrape-Timeout-Seconds less --collector.timeout-offset, or --collector.timeout.",
                  timeouts),
            gauge("aws_workspaces_last_success_timestamp_seconds",
                  "When the last successful collection of images for the account and region ended, in Unix seconds.",
                  lastSuccess),
            gauge("aws_workspaces_collector_success",
                  "Whether the collector (images, bundles, workspaces) succeeded for the account and region in the collection this scrape reports (1) or not (0).",
                  collectorSuccess),
            gauge("aws_workspaces_collector_duration_seconds",
                  "Seconds the collector's API calls took for the account and region in the collection this scrape reports.", collectorDurations),
            gauge("aws_workspaces_collection_age_seconds",
                  "Seconds since the collection this scrape reports for the account and region ended: near 0 when the scrape collected, up to --collector.min-interval when it reused an earlier one.",
                  ages),
            MetricFamily(
                name: "aws_workspaces_collections_reused_total",
                help: "Scrapes and probes of the account and region answered with an earlier collection, within the API budget (--collector.min-interval), instead of calling the API.",
                type: .counter, samples: reused),
        ]
        if !accountInfo.isEmpty {
            families.append(gauge("aws_workspaces_account_info",
                                  "Each account's name from AWS Organizations discovery and its IAM alias (--collector.account-alias), always 1: join on account_id.", accountInfo))
        }
        return (snapshots, families)
    }

    private func reportCollision(_ labels: TargetLabels) {
        guard reportedCollisions.withLock({ $0.insert(labels).inserted }) else { return }
        settings.logger.warning("two targets resolve to the same account and region; only the first is exported", metadata: [
            "account_id": "\(labels.accountId)", "region": "\(labels.region)",
        ])
    }
}
