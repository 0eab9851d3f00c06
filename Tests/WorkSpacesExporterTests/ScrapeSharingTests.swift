import Foundation
import TestSupport
import Testing

/// Many scrapers, one API: concurrent scrapes share a collection,
/// `--collector.min-interval` reuses a success, `--web.max-requests` sheds load.
@Suite(.timeLimit(.minutes(2)))
struct ScrapeSharingTests {
    func concurrentScrapes(_ exporter: Exporter, count: Int) async throws -> [(FetchedResponse, ParsedExposition)] {
        try await withThrowingTaskGroup(of: (FetchedResponse, ParsedExposition).self) { group in
            for _ in 0..<count { group.addTask { try await exporter.scrape() } }
            var results: [(FetchedResponse, ParsedExposition)] = []
            for try await result in group { results.append(result) }
            return results
        }
    }

    @Test func concurrentScrapesShareOneCollection() async throws {
        // 2 pages at 400 ms each: every scrape arrives while the first collection runs.
        let emulator = try await Emulator.start(images: 40, extra: ["--latency-ms", "400"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url], environment: emulatorCredentials)
        defer { exporter.stop() }
        let before = try await emulator.stats().requests
        let results = try await concurrentScrapes(exporter, count: 8)
        #expect(results.allSatisfy { $0.0.status == 200 && $0.1.value("aws_workspaces_up", ["region": "us-east-1"]) == 1 })
        #expect(results.allSatisfy { $0.1.series("aws_workspaces_image_info").count == 40 })
        #expect(try await emulator.stats().requests - before == 2, "one collection of 2 pages for 8 scrapes")
    }

    /// A scraper with a tiny timeout must not decide the result that others
    /// share: the collection runs on the server's own --collector.timeout.
    @Test func aShortTimeoutDoesNotFailTheSharedCollection() async throws {
        // 2 pages at 3 s each: the second scrape, sent once the first page is
        // asked for, arrives well within the collection even on a loaded machine.
        let emulator = try await Emulator.start(images: 40, extra: ["--latency-ms", "3000"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url], environment: emulatorCredentials)
        defer { exporter.stop() }
        async let hasty = exporter.scrape(headers: [("X-Prometheus-Scrape-Timeout-Seconds", "0.6")])
        try await waitUntil(timeout: .seconds(30), "the collection started") { try await emulator.stats().requests >= 1 }
        async let patient = exporter.scrape()
        let (short, long) = try await (hasty, patient)
        #expect(short.1.value("aws_workspaces_up", ["region": "us-east-1"]) == 0, "its own 0.1 s budget ran out")
        #expect(long.1.value("aws_workspaces_up", ["region": "us-east-1"]) == 1, "the shared collection went on")
        #expect(long.1.series("aws_workspaces_image_info").count == 40)
        #expect(try await emulator.stats().requests == 2, "one collection for both")
    }

    @Test func minIntervalReusesASuccessAndSaysWhen() async throws {
        let emulator = try await Emulator.start(images: 40)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url, "--collector.min-interval", "300"], environment: emulatorCredentials)
        defer { exporter.stop() }
        let before = Date().timeIntervalSince1970
        let (_, first) = try await exporter.scrape()
        let after = Date().timeIntervalSince1970
        let requests = try await emulator.stats().requests
        let stamp = try #require(first.value("aws_workspaces_last_success_timestamp_seconds", ["region": "us-east-1"]))
        #expect(stamp >= before && stamp <= after)
        for _ in 0..<5 {
            let response = try await HTTPFetch.fetch(exporter.url + "/metrics", headers: [("Accept-Encoding", "gzip")])
            #expect(response.headers["content-encoding"] == "gzip")
            let metrics = ParsedExposition(String(decoding: gunzip(response.body) ?? [], as: UTF8.self))
            #expect(metrics.value("aws_workspaces_up", ["region": "us-east-1"]) == 1)
            #expect(metrics.value("aws_workspaces_last_success_timestamp_seconds", ["region": "us-east-1"]) == stamp)
            #expect(metrics.series("aws_workspaces_image_info") == first.series("aws_workspaces_image_info"))
        }
        #expect(try await emulator.stats().requests == requests, "reused, so no further API call")
    }

    @Test func withoutMinIntervalEveryScrapeCallsTheAPI() async throws {
        let emulator = try await Emulator.start(images: 40)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url], environment: emulatorCredentials)
        defer { exporter.stop() }
        let before = try await emulator.stats().requests
        for _ in 0..<3 { _ = try await exporter.scrape() }
        #expect(try await emulator.stats().requests - before == 6)
    }

    /// A failure is never reused while the budget allows a retry: the next
    /// scrape collects again; once its two tokens are spent, the last
    /// collection (failed) is served until the interval gives another.
    @Test func aFailureIsRetriedWhileTheBudgetAllows() async throws {
        let emulator = try await Emulator.start(images: 10, extra: ["--fault", "server-error"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url, "--collector.min-interval", "300", "--aws.max-attempts", "1"],
            environment: emulatorCredentials)
        defer { exporter.stop() }
        for expected in [1, 2, 2] {
            let (_, metrics) = try await exporter.scrape()
            #expect(metrics.value("aws_workspaces_up", ["region": "us-east-1"]) == 0)
            #expect(metrics.series("aws_workspaces_last_success_timestamp_seconds").isEmpty)
            #expect(try await emulator.stats().requests == expected)
        }
    }

    @Test func scrapesBeyondMaxRequestsGet503() async throws {
        // Slow enough that all five are inside the exporter at once, however loaded the machine.
        let emulator = try await Emulator.start(images: 10, extra: ["--latency-ms", "6000"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url, "--web.max-requests", "2"], environment: emulatorCredentials)
        defer { exporter.stop() }
        let statuses = try await concurrentScrapes(exporter, count: 5).map(\.0.status).sorted()
        #expect(statuses == [200, 200, 503, 503, 503])
        // Once they are done, scrapes are served again.
        #expect(try await exporter.scrape().0.status == 200)
    }
}
