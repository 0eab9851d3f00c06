public import AWSWorkSpaces
public import Exposition
import Logging
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
    /// Families added to every scrape: process metrics, reload status.
    let liveSources: [@Sendable () -> [MetricFamily]]
    let limit: ConcurrencyLimit
    private let targets = Mutex<[TargetCollector]>([])
    private let identities = Mutex<[IdentityKey: Identity]>([:])
    private let reportedCollisions = Mutex<Set<TargetLabels>>([])

    public init(
        settings: CollectorSettings, baseCredentials: any CredentialProvider, sts: STSClient, targets: [Target],
        buildInfo: BuildInfo = .current, apiMetrics: APIMetrics = APIMetrics(), liveSources: [@Sendable () -> [MetricFamily]] = []
    ) throws(AWSClientError) {
        self.settings = settings
        self.baseCredentials = baseCredentials
        self.sts = sts
        self.buildInfo = buildInfo
        self.apiMetrics = apiMetrics
        self.liveSources = liveSources
        self.limit = ConcurrencyLimit(limit: settings.maxConcurrency)
        try apply(targets)
    }

    /// The targets being collected.

    /// Replaces the target set. A target equal to a current one keeps its
    /// collector (its in-flight collection and last success); identities are
    /// shared and kept. Fails without changing anything when an endpoint
    /// cannot be resolved.
    public func apply(_ newTargets: [Target]) throws(AWSClientError) {
        let current = targets.withLock { $0 }
        var kept: [TargetCollector] = []
        for target in newTargets {
            if let existing = current.first(where: { $0.target == target }) {
                kept.append(existing)
                continue
            }
            let endpoint = try Endpoint.resolve(
                service: "workspaces", region: target.region, override: settings.endpointOverride, useFIPS: settings.useFIPS,
                environment: settings.environment)
            kept.append(TargetCollector(
                target: target, identity: identity(for: target), endpoint: endpoint, settings: settings, observer: apiMetrics, limit: limit))
        }
        let removed = current.filter { old in !kept.contains { $0 === old } }
        targets.withLock { $0 = kept }
        // A removed target's API series go with it; an account no target uses
        // any more loses its STS series (in the STS region) too.
        let keptPairs = Set(kept.map { APIContext(accountId: $0.labels.accountId, region: $0.labels.region) })
        let keptAccounts = Set(kept.map(\.labels.accountId))
        let removedPairs = Set(removed.map { APIContext(accountId: $0.labels.accountId, region: $0.labels.region) }).subtracting(keptPairs)
        let removedAccounts = Set(removed.map(\.labels.accountId)).subtracting(keptAccounts)
        apiMetrics.remove { removedPairs.contains($0) || removedAccounts.contains($0.accountId) }
        for collector in kept {
            settings.logger.info("collecting", metadata: [
                "account_id": "\(collector.labels.accountId)", "region": "\(collector.target.region)", "endpoint": "\(collector.endpoint)",
                "role": "\(collector.target.role?.arn ?? "none")",
                "collectors": "\(collector.target.collectors.sorted().map(\.rawValue).joined(separator: ","))",
            ])
        }
    }

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

    /// The families for one scrape. Each target's answer comes within
    /// `budget`: a collection that has not finished by then reports up 0.
    public func collect(budget: CollectionBudget) async -> Scrape {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start.advanced(by: budget.duration)
        let collectors = targets.withLock { $0 }
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
        var collectorSuccess: [Sample] = [], collectorDurations: [Sample] = []
        var snapshots: [Snapshot] = []
        var seen: Set<TargetLabels> = []
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
            for kind in collector.target.collectors.sorted() {
                let outcome = answer.result?.outcomes[kind]
                let kindLabels = answer.labels.with([Label("collector", kind.rawValue)])
                collectorSuccess.append(Sample(labels: kindLabels, value: outcome?.success == true ? 1 : 0))
                collectorDurations.append(Sample(labels: kindLabels, value: outcome?.seconds ?? elapsed))
            }
            snapshots.append(answer.result?.snapshot ?? .empty)
        }
        func gauge(_ name: String, _ help: String, _ samples: [Sample]) -> MetricFamily {
            MetricFamily(name: name, help: help, type: .gauge, samples: samples)
        }
        var live = [
            gauge("aws_workspaces_up",
                  "Whether the collection of WorkSpaces images for the account and region that this scrape reports succeeded (1) or not (0).", up),
            gauge("aws_workspaces_scrape_duration_seconds",
                  "Seconds the collection for the account and region took (the reused one, under --collector.min-interval).", durations),
            gauge("aws_workspaces_scrape_timeout_seconds",
                  "Seconds the scrape could wait for the collection: X-Prometheus-Scrape-Timeout-Seconds less --collector.timeout-offset, or --collector.timeout.",
                  timeouts),
            gauge("aws_workspaces_last_success_timestamp_seconds",
                  "When the last successful collection of images for the account and region ended, in Unix seconds. With --collector.min-interval (for HA pairs and many scrapers) a scrape may reuse that result instead of calling the API.",
                  lastSuccess),
            gauge("aws_workspaces_collector_success",
                  "Whether the collector (images, bundles, workspaces) succeeded for the account and region in the collection this scrape reports (1) or not (0).",
                  collectorSuccess),
            gauge("aws_workspaces_collector_duration_seconds",
                  "Seconds the collector's API calls took for the account and region in the collection this scrape reports.", collectorDurations),
            buildInfo.family,
        ]
        live += apiMetrics.families()
        for source in liveSources { live += source() }
        return Scrape(snapshots: snapshots, live: live.map { $0.sorted() })
    }

    private func reportCollision(_ labels: TargetLabels) {
        guard reportedCollisions.withLock({ $0.insert(labels).inserted }) else { return }
        settings.logger.warning("two targets resolve to the same account and region; only the first is exported", metadata: [
            "account_id": "\(labels.accountId)", "region": "\(labels.region)",
        ])
    }
}
