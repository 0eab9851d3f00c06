public import AWSCore
import AWSOrganizations
public import Exposition
public import WorkSpacesCollector
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import Support
import Synchronization

/// The targets to collect: the config file's (or the flags') static ones,
/// plus the accounts each `organizations` entry discovers, merged and applied
/// to the collector whenever either changes.
///
/// Merging: a static target wins over a discovered one for the same account
/// and region, and an earlier `organizations` entry over a later one; the
/// loser is left out (logged once per refresh at debug). A failed refresh
/// keeps the entry's last good accounts.
public final class TargetRegistry: Sendable {
    /// One entry's discovery state.
    struct SourceState {
        /// Which entry this is across reloads: kept while its listing settings stay.
        let id: UInt64
        var source: OrganizationsSource
        /// The last good listing, nil before the first success.
        var found: OrganizationsDiscovery.Found?
        var lastAttemptSucceeded = false
        /// The last listing was refused (``AWSClientError/isRefusal``): nothing
        /// waits for this entry (readiness, `/sd`) until it lists.
        var refused = false
        var lastSuccess: Double?
        var lastDuration: Double?
        var failuresInARow = 0
        var nextDue: ContinuousClock.Instant
        var refreshing = false
        /// A listing that changed the accounts is recorded but not yet applied
        /// to the collector: not settled until it is, or `/sd` could answer 200
        /// without the accounts `/-/ready` counted as listed.
        var awaitingApply = false
    }

    struct State {
        var staticTargets: [Target] = []
        var sources: [SourceState] = []
        var nextID: UInt64 = 1
    }

    /// A failed listing is tried again after 15 s, doubling up to the entry's
    /// `refresh_interval`, so that a first listing refused for a moment
    /// (throttling, a role not yet propagated) does not wait ten minutes.
    static let firstRetry = Duration.seconds(15)
    /// How long readiness waits for every entry's first successful listing
    /// before it settles for a first attempt (a listing that keeps failing
    /// must not keep a replica unready for ever).
    static let readinessGrace = Duration.seconds(120)
    /// Pages one Organizations listing may read (20 accounts a page: room
    /// for ``OrganizationsDiscovery/maxAccounts``), whatever `--workspaces.max-pages` says.
    static let maxListingPages = 2_000

    let collector: WorkSpacesCollector
    let settings: CollectorSettings
    let baseCredentials: any CredentialProvider
    let sts: STSClient
    let collectors: Set<CollectorKind>
    let pageSize: Int
    /// The Organizations endpoint, when not the partition's (tests, emulators).
    let endpointOverride: String?
    /// When the registry was made: readiness's grace counts from here.
    let started: ContinuousClock.Instant
    private let state = Locked(State())
    /// What ``waitForWork()`` waits on: bumped after every change that can
    /// make an entry due sooner (a reload, a listing that ended).
    private let schedule = Locked(Schedule())

    private struct Schedule {
        var generation: UInt64 = 0
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let listers = Locked<[DefaultCredentialChain.Role?: any CredentialProvider]>([:])
    /// Held while targets are applied to the collector: one change at a time,
    /// in order; counts them. (Not a lock over `()`: ThreadSanitizer reports
    /// the access to a zero-sized value under it as a race.)
    private let applying = Locked<UInt64>(0)
    /// Set once readiness has been reached; it stays.
    private let becameReady = Locked(false)

    public init(
        collector: WorkSpacesCollector, settings: CollectorSettings, baseCredentials: any CredentialProvider, sts: STSClient,
        collectors: Set<CollectorKind>, pageSize: Int, endpointOverride: String? = nil, started: ContinuousClock.Instant = .now
    ) {
        self.started = started
        self.collector = collector
        self.settings = settings
        self.baseCredentials = baseCredentials
        self.sts = sts
        self.collectors = collectors
        self.pageSize = pageSize
        self.endpointOverride = endpointOverride
    }

    /// What decides an entry's listing: entries that agree on it keep their
    /// accounts across a reload.
    struct ListingKey: Hashable {
        let lister: DefaultCredentialChain.Role?
        let units: [String]
        let tags: [String: String]
        let include: [String]
        let exclude: [String]

        init(_ source: OrganizationsSource) {
            lister = source.lister
            units = source.organizationalUnits
            tags = source.tags
            include = source.includeAccounts
            exclude = source.excludeAccounts
        }
    }

    /// The state a reload to `staticTargets` and `sources` makes of `current`:
    /// each new entry takes over an old one with the same listing settings
    /// (each old one at most once; its accounts, schedule and any listing in
    /// flight), the others start unlisted and due now.
    static func reconfigured(_ current: State, staticTargets: [Target], sources: [OrganizationsSource], now: ContinuousClock.Instant) -> State {
        var next = State(staticTargets: staticTargets, sources: [], nextID: current.nextID)
        var unclaimed = current.sources
        for source in sources {
            if let index = unclaimed.firstIndex(where: { ListingKey($0.source) == ListingKey(source) }) {
                var kept = unclaimed.remove(at: index)
                if kept.source.refreshInterval != source.refreshInterval { kept.nextDue = min(kept.nextDue, now.advanced(by: source.refreshInterval)) }
                kept.source = source
                next.sources.append(kept)
            } else {
                next.sources.append(SourceState(id: next.nextID, source: source, nextDue: now))
                next.nextID += 1
            }
        }
        return next
    }

    /// Replaces the static targets and the `organizations` entries (start,
    /// reload). Entries whose listing is unchanged keep their accounts; new
    /// or changed ones are listed at once (until then they have no targets).
    /// Fails without changing anything when a target's endpoint cannot be resolved.
    public func configure(staticTargets: [Target], sources: [OrganizationsSource]) throws(AWSClientError) {
        try applying.withLock { applied throws(AWSClientError) in
            applied &+= 1
            let planned = state.withLock { Self.reconfigured($0, staticTargets: staticTargets, sources: sources, now: .now) }
            // Applying first validates: a failure leaves targets and state as they were.
            try collector.apply(Self.merge(planned, collectors: collectors, pageSize: pageSize, logger: settings.logger), organization: Self.members(planned))
            // A listing that finished meanwhile is in the current state: build again from it.
            let (current, changed) = state.withLock { current -> (State, Bool) in
                let next = Self.reconfigured(current, staticTargets: staticTargets, sources: sources, now: .now)
                let changed = zip(next.sources, planned.sources).contains { $0.found != $1.found } || next.sources.count != planned.sources.count
                current = next
                return (next, changed)
            }
            if changed {
                try? collector.apply(Self.merge(current, collectors: collectors, pageSize: pageSize, logger: settings.logger), organization: Self.members(current))
            }
        }
        scheduleChanged()
    }

    /// Returns when an entry may be due: at the earliest due time of those
    /// not being listed, after a reload or a listing that ended (either may
    /// make one due sooner), or when the task is cancelled. The discovery
    /// loop sleeps here instead of looking every second.
    func waitForWork() async {
        let generation = schedule.withLock { $0.generation }
        let earliest = state.withLock { state in state.sources.filter { !$0.refreshing }.map(\.nextDue).min() }
        if let earliest, earliest <= .now { return }
        let timer = earliest.flatMap { TimerThread.shared.schedule(at: $0) { [weak self] in self?.scheduleChanged() } }
        // Without the timer thread, a second at most, as the loop ticked before.
        let fallback = earliest != nil && timer == nil ? TimerThread.shared.schedule(at: .now.advanced(by: .seconds(1))) { [weak self] in self?.scheduleChanged() } : nil
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = schedule.withLock { schedule -> Bool in
                    // A change since the look above: look again.
                    guard schedule.generation == generation, schedule.waiter == nil else { return true }
                    schedule.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            scheduleChanged()
        }
        if let timer { TimerThread.shared.cancel(timer) }
        if let fallback { TimerThread.shared.cancel(fallback) }
    }

    /// Whether ``waitForWork()`` is asleep (for tests: a change made after
    /// this is true must be what wakes it).
    var isWaitingForWork: Bool { schedule.withLock { $0.waiter != nil } }

    /// Wakes ``waitForWork()``, now or at its next look.
    private func scheduleChanged() {
        let waiter = schedule.withLock { schedule -> CheckedContinuation<Void, Never>? in
            schedule.generation &+= 1
            defer { schedule.waiter = nil }
            return schedule.waiter
        }
        waiter?.resume()
    }

    /// Static targets first, then each entry's accounts × regions, each
    /// account and region once.
    static func merge(_ state: State, collectors: Set<CollectorKind>, pageSize: Int, logger: Logger) -> [Target] {
        var targets = state.staticTargets
        var taken = Set(state.staticTargets.compactMap { target in target.knownAccount.map { "\($0)/\(target.region)" } })
        for entry in state.sources {
            guard let found = entry.found else { continue }
            var skipped = 0
            for account in found.accounts {
                for region in entry.source.regions {
                    guard taken.insert("\(account.id)/\(region)").inserted else {
                        skipped += 1
                        continue
                    }
                    targets.append(entry.source.target(account: account.id, accountName: account.name, region: region, collectors: collectors, pageSize: pageSize))
                }
            }
            if skipped > 0 {
                logger.debug("discovered targets already configured; the first configuration wins", metadata: [
                    "source": "\(entry.source.name)", "skipped": "\(skipped)",
                ])
            }
        }
        return targets
    }

    /// Every account of the organisations listed whole; nil when none was.
    static func members(_ state: State) -> Set<String>? {
        let complete = state.sources.compactMap { $0.found?.members }
        return complete.isEmpty ? nil : complete.reduce(into: Set<String>()) { $0.formUnion($1) }
    }

    /// The entries due for a refresh at `now`, marked as refreshing.
    func takeDue(now: ContinuousClock.Instant) -> [(id: UInt64, source: OrganizationsSource)] {
        state.withLock { state in
            var due: [(id: UInt64, source: OrganizationsSource)] = []
            for index in state.sources.indices where !state.sources[index].refreshing && state.sources[index].nextDue <= now {
                state.sources[index].refreshing = true
                due.append((state.sources[index].id, state.sources[index].source))
            }
            return due
        }
    }

    /// Whether nothing waits for `entry` any more: it has listed, its listing
    /// was refused (which asking again soon will not change), or, after
    /// ``readinessGrace``, it has been tried at least once.
    static func settled(_ entry: SourceState, graceOver: Bool) -> Bool {
        !entry.awaitingApply && (entry.found != nil || entry.refused || (graceOver && entry.lastDuration != nil))
    }

    /// Ready once every `organizations` entry is settled (``settled(_:graceOver:)``);
    /// it then stays ready (a reload adding an entry does not make a running
    /// replica unready). `/-/ready` says it, so that a new replica behind a
    /// Service does not answer 404 to probes of accounts it has not listed yet.
    public var isReady: Bool { ready(now: .now) }

    /// ``isReady`` as of `now` (tests pass the time).
    func ready(now: ContinuousClock.Instant) -> Bool {
        becameReady.withLock { ready in
            if !ready { ready = unsettled(now: now).isEmpty }
            return ready
        }
    }

    /// The entries still waited for: listed neither successfully nor with a
    /// refusal, within ``readinessGrace`` of the start. `/sd` answers 503
    /// while there are any (Prometheus keeps its last list on an error, so a
    /// restart under a passing failure does not drop targets); after that it
    /// serves what is known: the static targets and each entry's last good listing.
    public func unsettled(now: ContinuousClock.Instant = .now) -> [String] {
        let graceOver = started.duration(to: now) >= Self.readinessGrace
        return state.withLock { state in
            state.sources.filter { !Self.settled($0, graceOver: graceOver) }.map(\.source.name)
        }
    }

    /// Lists the entry now and applies its accounts; on failure keeps the
    /// last good ones. Returns whether it succeeded. A listing cut short by
    /// shutdown records nothing.
    @discardableResult
    public func refresh(id: UInt64, _ source: OrganizationsSource) async -> Bool {
        let clock = ContinuousClock()
        let start = clock.now
        let timeout = min(max(source.refreshInterval, .seconds(10)), .seconds(300))
        let result: Result<OrganizationsDiscovery.Found, AWSClientError>
        do throws(AWSClientError) {
            let discovery = OrganizationsDiscovery(source: source, client: try client(for: source))
            let found = await DeadlineRace.run(until: start.advanced(by: timeout)) { () async -> Result<OrganizationsDiscovery.Found, AWSClientError> in
                do throws(AWSClientError) {
                    return .success(try await discovery.discover(deadline: start.advanced(by: timeout)))
                } catch {
                    return .failure(error)
                }
            }
            result = found ?? .failure(.deadlineExceeded("listing the organization's accounts did not finish within \(timeout)"))
        } catch {
            result = .failure(error)
        }
        if Task.isCancelled {
            state.withLock { state in
                if let index = state.sources.firstIndex(where: { $0.id == id }) { state.sources[index].refreshing = false }
            }
            return false
        }
        let seconds = start.duration(to: clock.now) / .seconds(1)
        let wallTime = Date().timeIntervalSince1970
        var changed: (added: Int, removed: Int)?
        let stillConfigured = state.withLock { state -> Bool in
            guard let index = state.sources.firstIndex(where: { $0.id == id }) else { return false }
            var entry = state.sources[index]
            entry.refreshing = false
            entry.lastDuration = seconds
            switch result {
            case let .success(found):
                let before = Set(entry.found?.accounts ?? [])
                let after = Set(found.accounts)
                if entry.found == nil || before != after || entry.found?.members != found.members {
                    changed = (after.subtracting(before).count, before.subtracting(after).count)
                    entry.awaitingApply = true
                }
                entry.found = found
                entry.lastAttemptSucceeded = true
                entry.refused = false
                entry.lastSuccess = wallTime
                entry.failuresInARow = 0
                entry.nextDue = clock.now.advanced(by: entry.source.refreshInterval)
            case let .failure(error):
                entry.lastAttemptSucceeded = false
                entry.refused = error.isRefusal
                entry.failuresInARow += 1
                let backoff = Self.firstRetry * (1 << min(entry.failuresInARow - 1, 10))
                entry.nextDue = clock.now.advanced(by: min(backoff, entry.source.refreshInterval))
            }
            state.sources[index] = entry
            return true
        }
        scheduleChanged()
        guard stillConfigured else { return false }
        switch result {
        case let .success(found):
            if let changed {
                settings.logger.info("discovered the organization's accounts", metadata: [
                    "source": "\(source.name)", "accounts": "\(found.accounts.count)", "added": "\(changed.added)",
                    "removed": "\(changed.removed)", "inactive": "\(found.inactive)", "invalid": "\(found.invalid)",
                ])
                applyCurrent()
                // Applied (or its failure logged): the entry counts as listed now.
                state.withLock { state in
                    if let index = state.sources.firstIndex(where: { $0.id == id }) { state.sources[index].awaitingApply = false }
                }
            }
            return true
        case let .failure(error):
            var metadata: Logger.Metadata = [
                "source": "\(source.name)", "code": "\(error.code)", "message": "\(error.message)",
            ]
            if error.isRefusal {
                metadata["hint"] = "the listing identity needs organizations:ListAccounts (and ListAccountsForParent, ListOrganizationalUnitsForParent, ListTagsForResource for units and tags); it is asked again every refresh_interval"
                settings.logger.error("listing the organization's accounts was refused; keeping the last accounts found, if any", metadata: metadata)
            } else {
                settings.logger.error("discovering the organization's accounts failed; keeping the last accounts found", metadata: metadata)
            }
            return false
        }
    }

    /// Applies the merged targets of the current state, and the
    /// organisation's accounts for the image-permissions collector.
    private func applyCurrent() {
        applying.withLock { applied in
            applied &+= 1
            let current = state.withLock { $0 }
            do throws(AWSClientError) {
                try collector.apply(Self.merge(current, collectors: collectors, pageSize: pageSize, logger: settings.logger), organization: Self.members(current))
            } catch {
                settings.logger.error("applying the discovered targets failed", metadata: ["code": "\(error.code)", "message": "\(error.message)"])
            }
        }
    }

    private func client(for source: OrganizationsSource) throws(AWSClientError) -> OrganizationsClient {
        let region = source.regions.first ?? "us-east-1"
        let endpoint = try settings.endpoint(service: "organizations", region: region, override: endpointOverride)
        let credentials = listers.withLock { listers -> any CredentialProvider in
            if let existing = listers[source.lister] { return existing }
            let made: any CredentialProvider = source.lister.map {
                DefaultCredentialChain.assuming($0, from: baseCredentials, sts: sts, refreshTimeout: settings.collectionTimeout + .seconds(30), logger: settings.logger)
            } ?? baseCredentials
            listers[source.lister] = made
            return made
        }
        let account = source.lister.flatMap { AccountID.fromARN($0.arn) } ?? "unknown"
        return OrganizationsClient(
            sender: settings.sender(
                service: "organizations", region: region, endpoint: endpoint, account: account, credentials: credentials, observer: collector.apiMetrics),
            maxPages: Self.maxListingPages)
    }

    /// `aws_workspaces_discovery_*`, one series per entry; nothing without entries.
    public func families() -> [MetricFamily] {
        let sources = state.withLock { $0.sources }
        guard !sources.isEmpty else { return [] }
        var success: [Sample] = [], last: [Sample] = [], duration: [Sample] = [], accounts: [Sample] = []
        for entry in sources {
            let labels = [Label("source", entry.source.name)]
            success.append(Sample(labels: labels, value: entry.lastAttemptSucceeded ? 1 : 0))
            if let lastSuccess = entry.lastSuccess { last.append(Sample(labels: labels, value: lastSuccess)) }
            if let seconds = entry.lastDuration { duration.append(Sample(labels: labels, value: seconds)) }
            accounts.append(Sample(labels: labels, value: Double(entry.found?.accounts.count ?? 0)))
        }
        return [
            MetricFamily(name: "aws_workspaces_discovery_accounts", help: "Member accounts the last good listing of the organizations entry kept (ACTIVE, after the filters).", type: .gauge, samples: accounts),
            MetricFamily(name: "aws_workspaces_discovery_duration_seconds", help: "Seconds the last listing of the organizations entry took.", type: .gauge, samples: duration),
            MetricFamily(name: "aws_workspaces_discovery_last_success_timestamp_seconds", help: "When the organizations entry's accounts were last listed successfully, in Unix seconds.", type: .gauge, samples: last),
            MetricFamily(name: "aws_workspaces_discovery_success", help: "Whether the last listing of the organizations entry's accounts succeeded (1) or not (0); a failure keeps the last accounts found.", type: .gauge, samples: success),
        ]
    }
}
