import AWSCore
import HTTPClient
import AWSOrganizations
@testable import Discovery
import Logging
import Testing
import WorkSpacesCollector

/// The registry's pure parts, without a process or a clock: how a reload
/// keeps listings, how static and discovered targets merge, which accounts
/// form the organisation, and when an entry stops holding readiness and `/sd` up.
@Suite struct TargetRegistryTests {
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
    static let t0 = ContinuousClock.now

    static func sources(_ yaml: String) throws -> [OrganizationsSource] {
        try ConfigFile.parse(yaml, path: "/test/exporter.yml").organizations
    }

    static func found(_ ids: [String], members: Set<String>? = nil) -> OrganizationsDiscovery.Found {
        OrganizationsDiscovery.Found(accounts: ids.map { OrganizationAccount(id: $0, name: "n-\($0)", status: "ACTIVE") }, inactive: 0, invalid: 0, members: members)
    }

    @Test func aReloadKeepsTheListingOfAnEntryWithTheSameSettings() throws {
        let first = try Self.sources("organizations:\n  - role_name: R\n    regions: [us-east-1]\n")
        var state = TargetRegistry.reconfigured(TargetRegistry.State(), staticTargets: [], sources: first, now: Self.t0)
        #expect(state.sources.count == 1 && state.sources[0].found == nil && state.sources[0].nextDue == Self.t0)
        state.sources[0].found = Self.found(["111111111111"])
        state.sources[0].nextDue = Self.t0.advanced(by: .seconds(600))

        // Same listing, another region and a shorter refresh: kept, due sooner.
        let later = Self.t0.advanced(by: .seconds(10))
        let again = try Self.sources("organizations:\n  - role_name: R\n    regions: [eu-west-1]\n    refresh_interval: 1m\n")
        let next = TargetRegistry.reconfigured(state, staticTargets: [], sources: again, now: later)
        #expect(next.sources[0].id == state.sources[0].id)
        #expect(next.sources[0].found == state.sources[0].found)
        #expect(next.sources[0].source.regions == ["eu-west-1"])
        #expect(next.sources[0].nextDue == later.advanced(by: .seconds(60)))

        // Other filters: a new entry, unlisted and due now.
        let other = try Self.sources("organizations:\n  - role_name: R\n    regions: [eu-west-1]\n    include_accounts: [\"111111111111\"]\n")
        let replaced = TargetRegistry.reconfigured(state, staticTargets: [], sources: other, now: later)
        #expect(replaced.sources[0].id != state.sources[0].id && replaced.sources[0].found == nil && replaced.sources[0].nextDue == later)
    }

    @Test func staticTargetsWinThenEarlierEntriesAndEachAccountAndRegionComesOnce() throws {
        let sources = try Self.sources("""
        organizations:
          - role_name: First
            regions: [us-east-1, eu-west-1]
          - role_name: Second
            regions: [eu-west-1]
        """)
        var state = TargetRegistry.reconfigured(
            TargetRegistry.State(), staticTargets: [Target(accountId: "111111111111", region: "us-east-1")], sources: sources, now: Self.t0)
        state.sources[0].found = Self.found(["111111111111", "222222222222"])
        state.sources[1].found = Self.found(["222222222222", "333333333333"])
        let targets = TargetRegistry.merge(state, collectors: [.images], pageSize: 25, logger: Self.logger)
        let pairs = targets.map { "\($0.accountId ?? "?")/\($0.region)/\($0.role?.arn.split(separator: "/").last ?? "static")" }
        #expect(pairs == [
            "111111111111/us-east-1/static", "111111111111/eu-west-1/First", "222222222222/us-east-1/First", "222222222222/eu-west-1/First",
            "333333333333/eu-west-1/Second",
        ])
        #expect(targets.first { $0.accountId == "333333333333" }?.accountName == "n-333333333333")
    }

    @Test func theOrganisationIsTheUnionOfCompleteListings() throws {
        let sources = try Self.sources("organizations:\n  - role_name: A\n    regions: [us-east-1]\n  - role_name: B\n    regions: [us-east-1]\n")
        var state = TargetRegistry.reconfigured(TargetRegistry.State(), staticTargets: [], sources: sources, now: Self.t0)
        #expect(TargetRegistry.members(state) == nil)
        state.sources[0].found = Self.found(["111111111111"])
        #expect(TargetRegistry.members(state) == nil, "a listing limited to units is not the organisation")
        state.sources[1].found = Self.found(["222222222222"], members: ["222222222222", "333333333333"])
        #expect(TargetRegistry.members(state) == ["222222222222", "333333333333"])
    }

    /// When an entry stops holding readiness and `/sd`: listed (and applied),
    /// refused, or tried once after the grace; a passing failure within the
    /// grace still holds them.
    @Test func anEntryIsSettledWhenListedRefusedOrTriedAfterTheGrace() throws {
        let source = try #require(try Self.sources("organizations:\n  - role_name: A\n    regions: [us-east-1]\n").first)
        var entry = TargetRegistry.SourceState(id: 1, source: source, nextDue: Self.t0)
        #expect(!TargetRegistry.settled(entry, graceOver: false))
        #expect(!TargetRegistry.settled(entry, graceOver: true), "not even tried")
        entry.lastDuration = 0.5
        #expect(!TargetRegistry.settled(entry, graceOver: false), "a passing failure within the grace")
        #expect(TargetRegistry.settled(entry, graceOver: true))
        entry.refused = true
        #expect(TargetRegistry.settled(entry, graceOver: false), "a refusal does not wait for the grace")
        entry.refused = false
        entry.found = Self.found([])
        #expect(TargetRegistry.settled(entry, graceOver: false))
        // Listed but not yet applied to the collector: `/sd` would leave its accounts out.
        entry.awaitingApply = true
        #expect(!TargetRegistry.settled(entry, graceOver: false))
        #expect(!TargetRegistry.settled(entry, graceOver: true))
    }

    @Test func refusalsAreTheCallersNotPassingFailures() {
        #expect(AWSClientError.service(code: "AccessDeniedException", message: "", status: 400).isRefusal)
        #expect(AWSClientError.service(code: "Whatever", message: "", status: 403).isRefusal)
        #expect(AWSClientError.service(code: "AWSOrganizationsNotInUseException", message: "", status: 400).isRefusal)
        #expect(AWSClientError.credentials(source: "AssumeRole", reason: "STS refused", refused: true).isRefusal)
        #expect(!AWSClientError.service(code: "ThrottlingException", message: "", status: 400).isRefusal)
        #expect(!AWSClientError.service(code: "InternalFailure", message: "", status: 500).isRefusal)
        #expect(!AWSClientError.transport("reset").isRefusal)
        #expect(!AWSClientError.credentials(source: "IMDS", reason: "unreachable").isRefusal)
    }
}

/// The registry itself, with its start time given: an entry whose listing
/// fails (Organizations unreachable: a refused connection on loopback) holds
/// readiness and `/sd` for the grace, then no more; nothing waits on a clock.
@Suite struct TargetRegistryReadinessTests {
    /// A registry whose Organizations and STS refuse every connection (port 1 on loopback).
    static func unreachableRegistry(started: ContinuousClock.Instant) throws -> (TargetRegistry, HTTPClient) {
        let http = HTTPClient(configuration: .init(connectTimeout: .seconds(2)))
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let refused = try Endpoint(url: "http://127.0.0.1:1/")
        let settings = CollectorSettings(
            http: http, environment: Environment([:]), retryPolicy: RetryPolicy(mode: .standard, maxAttempts: 1), logger: logger)
        let sts = STSClient(region: "us-east-1", endpoint: refused, httpClient: http, logger: logger)
        let credentials = StaticCredentialProvider(AWSCredentials(accessKeyId: "AKIDTEST", secretAccessKey: "test"))
        let collector = try WorkSpacesCollector(settings: settings, baseCredentials: credentials, sts: sts, targets: [])
        let registry = TargetRegistry(
            collector: collector, settings: settings, baseCredentials: credentials, sts: sts, collectors: [.images], pageSize: 25,
            endpointOverride: refused.url, started: started)
        return (registry, http)
    }

    @Test func aFailingEntryHoldsReadinessForTheGraceOnly() async throws {
        let t0 = ContinuousClock.now
        let (registry, http) = try Self.unreachableRegistry(started: t0)
        let sources = try TargetRegistryTests.sources("organizations:\n  - role_name: R\n    regions: [us-east-1]\n")
        try registry.configure(staticTargets: [Target(accountId: "111111111111", region: "us-east-1")], sources: sources)
        #expect(registry.unsettled(now: t0) == ["organizations/0"], "not listed yet")
        #expect(!registry.ready(now: t0))

        let due = registry.takeDue(now: .now)
        #expect(due.count == 1)
        let listed = await registry.refresh(id: due[0].id, due[0].source)
        #expect(!listed, "Organizations is unreachable")
        #expect(registry.unsettled(now: t0.advanced(by: .seconds(60))) == ["organizations/0"], "a passing failure within the grace")
        #expect(!registry.ready(now: t0.advanced(by: .seconds(60))))
        let after = t0.advanced(by: TargetRegistry.readinessGrace)
        #expect(registry.unsettled(now: after).isEmpty, "tried, and the grace is over")
        #expect(registry.ready(now: after))
        #expect(registry.ready(now: t0), "readiness, once reached, stays")
        let families = registry.families()
        #expect(families.first { $0.name == "aws_workspaces_discovery_success" }?.samples.first?.value == 0)
        await http.shutdown()
    }

    /// The discovery loop's sleep: until an entry is due, a listing ends, a
    /// reload comes or the task is cancelled; each of these ends it, and
    /// nothing here waits on a clock (the entry's retry is minutes away).
    @Test(.timeLimit(.minutes(1))) func theLoopSleepsUntilSomethingCanBeDue() async throws {
        let (registry, http) = try Self.unreachableRegistry(started: .now)
        let sources = try TargetRegistryTests.sources("organizations:\n  - role_name: R\n    regions: [us-east-1]\n    refresh_interval: 1h\n")
        try registry.configure(staticTargets: [], sources: sources)
        await registry.waitForWork() // due now: returns at once

        // While the only entry is being listed, nothing is due: the end of the listing wakes the sleep.
        let due = registry.takeDue(now: .now)
        #expect(due.count == 1)
        let sleeping = Task { await registry.waitForWork() }
        while !registry.isWaitingForWork { await Task.yield() }
        _ = await registry.refresh(id: due[0].id, due[0].source)
        await sleeping.value

        // Now the retry is minutes away: a reload with a new entry (due now) wakes it.
        #expect(registry.takeDue(now: .now).isEmpty)
        let reloaded = Task { await registry.waitForWork() }
        while !registry.isWaitingForWork { await Task.yield() }
        let more = try TargetRegistryTests.sources(
            "organizations:\n  - role_name: R\n    regions: [us-east-1]\n    refresh_interval: 1h\n  - role_name: S\n    regions: [us-east-1]\n")
        try registry.configure(staticTargets: [], sources: more)
        await reloaded.value
        #expect(registry.takeDue(now: .now).count == 1, "the new entry")

        // Nothing due for minutes: cancelling ends the sleep.
        let cancelled = Task { await registry.waitForWork() }
        while !registry.isWaitingForWork { await Task.yield() }
        cancelled.cancel()
        await cancelled.value
        await http.shutdown()
    }
}
