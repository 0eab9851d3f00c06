import Foundation
import TestSupport
import Testing

/// The API budget per target (`--collector.min-interval`, 30 s by default):
/// no client, however many or however fast, makes the exporter call the
/// WorkSpaces API more than that, counted at the emulator.
@Suite(.timeLimit(.minutes(3)))
struct APIBudgetTests {
    static let account = Exporter.defaultAccount

    /// `threads` clients asking `path` back to back for `seconds` (bounded).
    static func hammer(_ url: String, threads: Int = 8, seconds: Int = 10) async -> Int {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        return await withTaskGroup(of: Int.self) { group in
            for _ in 0..<threads {
                group.addTask {
                    var answered = 0
                    while ContinuousClock.now < deadline, answered < 5_000 {
                        if let response = try? await HTTPFetch.fetch(url), response.status == 200 { answered += 1 }
                    }
                    return answered
                }
            }
            return await group.reduce(0, +)
        }
    }

    /// 8 threads on /metrics, then on /probe, for 10 s each: at most two
    /// collections of the target (one DescribeWorkspaceImages page each), and
    /// the scrapes in between are answered with the reused collection.
    @Test func eightClientsForTenSecondsCauseAtMostTwoCollections() async throws {
        let emulator = try await Emulator.start(images: 8, extra: ["--latency-ms", "50"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1"], environment: emulator.environment, defaultBudget: true)
        defer { exporter.stop() }

        let scrapes = await Self.hammer(exporter.url + "/metrics")
        let afterMetrics = try await emulator.stats().count("DescribeWorkspaceImages")
        #expect(scrapes > 50, "the exporter kept answering: \(scrapes) scrapes")
        #expect((1...2).contains(afterMetrics), "\(afterMetrics) collections for \(scrapes) scrapes")
        let (_, metrics) = try await exporter.scrape()
        #expect((metrics.value("aws_workspaces_collections_reused_total", ["account_id": Self.account]) ?? 0) >= Double(scrapes - 8 * afterMetrics), "only scrapes that joined a collection in flight did not reuse")
        let age = try #require(metrics.value("aws_workspaces_collection_age_seconds", ["account_id": Self.account]))
        #expect(age >= 0 && age < 30, "age \(age)")
        #expect(metrics.value("aws_workspaces_up", ["account_id": Self.account]) == 1)

        let probes = await Self.hammer(exporter.url + "/probe?target=\(Self.account)/us-east-1")
        let afterProbes = try await emulator.stats().count("DescribeWorkspaceImages")
        #expect(probes > 50)
        #expect(afterProbes - afterMetrics <= 2, "\(afterProbes - afterMetrics) collections for \(probes) probes")
        #expect(afterProbes <= 3, "one budget for /metrics and /probe: \(afterProbes) collections in 20 s")
        #expect(!exporter.log.contains("level=error"), "\(exporter.log)")
    }

    /// A failed collection is not reused: the next scrape retries it, within
    /// the budget (two collections, then one per interval).
    @Test func aFailedCollectionIsRetriedWithinTheBudget() async throws {
        let emulator = try await Emulator.start(images: 8, extra: ["--fault", "access-denied"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1"], environment: emulator.environment, defaultBudget: true)
        defer { exporter.stop() }
        let (_, first) = try await exporter.scrape()
        #expect(first.value("aws_workspaces_up", ["account_id": Self.account]) == 0)
        #expect(try await emulator.stats().count("DescribeWorkspaceImages") == 1)
        let (_, second) = try await exporter.scrape()
        #expect(second.value("aws_workspaces_up", ["account_id": Self.account]) == 0)
        #expect(try await emulator.stats().count("DescribeWorkspaceImages") == 2, "the failure was retried, not reused")
        // The budget is spent: however often asked, no third call within the interval.
        _ = await Self.hammer(exporter.url + "/metrics", threads: 4, seconds: 3)
        #expect(try await emulator.stats().count("DescribeWorkspaceImages") == 2)
        let (_, later) = try await exporter.scrape()
        #expect(later.value("aws_workspaces_up", ["account_id": Self.account]) == 0, "the last collection, failed, is what is known")
    }

    /// `--collector.min-interval 0s` restores a collection per scrape.
    @Test func aZeroIntervalCollectsOnEveryScrape() async throws {
        let emulator = try await Emulator.start(images: 8)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--collector.min-interval", "0s"], environment: emulator.environment, defaultBudget: true)
        defer { exporter.stop() }
        for scrape in 1...3 {
            let (_, metrics) = try await exporter.scrape()
            #expect(metrics.value("aws_workspaces_up", ["account_id": Self.account]) == 1)
            #expect(try await emulator.stats().count("DescribeWorkspaceImages") == scrape)
            #expect(metrics.value("aws_workspaces_collections_reused_total", ["account_id": Self.account]) == 0)
        }
    }

    /// A real Prometheus scraping less often than the budget gets a fresh
    /// collection on every scrape (scaled down: every 2 s against a 1 s budget,
    /// as a 60 s interval against the default 30 s).
    @Test func prometheusScrapingLessOftenThanTheBudgetGetsFreshData() async throws {
        let emulator = try await Emulator.start(images: 8)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--collector.min-interval", "1s"], environment: emulator.environment, defaultBudget: true)
        defer { exporter.stop() }
        let prometheus = try await Prometheus.start(scraping: "127.0.0.1:\(exporter.port)", interval: "2s", timeout: "1s")
        defer { prometheus.stop() }
        try await prometheus.waitFor(#"count_over_time(aws_workspaces_up{job="workspaces"}[1m]) >= 4"#, timeout: .seconds(60))
        let scrapes = try #require(try await prometheus.value(#"count_over_time(aws_workspaces_up{job="workspaces"}[1m])"#))
        #expect(try await prometheus.value(#"max(aws_workspaces_collections_reused_total)"#) == 0)
        let collections = try await emulator.stats().count("DescribeWorkspaceImages")
        #expect(Double(collections) >= scrapes, "\(collections) collections for \(scrapes) scrapes")
        #expect(try await prometheus.value(#"max_over_time(aws_workspaces_collection_age_seconds[1m]) < 1"#) != nil)
    }

    /// Two Prometheus servers (an HA pair) scraping the same exporter share
    /// collections whenever their scrapes fall within the budget's window.
    @Test func anHAPairSharesCollections() async throws {
        let emulator = try await Emulator.start(images: 8)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--collector.min-interval", "4s"], environment: emulator.environment, defaultBudget: true)
        defer { exporter.stop() }
        let first = try await Prometheus.start(scraping: "127.0.0.1:\(exporter.port)", interval: "5s", timeout: "2s")
        defer { first.stop() }
        let second = try await Prometheus.start(scraping: "127.0.0.1:\(exporter.port)", interval: "5s", timeout: "2s")
        defer { second.stop() }
        let query = #"count_over_time(aws_workspaces_up{job="workspaces"}[2m])"#
        try await first.waitFor("\(query) >= 4", timeout: .seconds(60))
        try await second.waitFor("\(query) >= 4", timeout: .seconds(60))
        let scrapes = try #require(try await first.value(query)) + (try #require(try await second.value(query)))
        let collections = try await emulator.stats().count("DescribeWorkspaceImages")
        // Each pair of scrapes (the same offset in both servers) shares one
        // collection: joined while in flight, or reused within the window.
        #expect(Double(collections) <= scrapes / 2 + 1, "\(collections) collections for \(scrapes) scrapes")
    }
}
