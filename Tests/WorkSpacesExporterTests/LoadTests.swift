import Foundation
import TestSupport
import Testing

/// wrk against the real binary: no errors under 200 connections, and memory
/// that stays flat over many thousands of scrapes. How fast it serves is
/// measured by the benchmarks (scripts/bench.sh), never asserted here.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct LoadTests {
    struct WrkResult {
        let requests: Int
        let errors: String?
        let output: String
    }

    /// Runs wrk; `errors` is its error summary line, nil when it reported none.
    func wrk(_ url: String, connections: Int, seconds: Int, gzip: Bool) async throws -> WrkResult {
        let wrk = try #require(PackagePaths.which("wrk"), "wrk is installed by scripts/deps.sh test")
        var arguments = ["-t", String(min(2, connections)), "-c", String(connections), "-d", "\(seconds)s", "--timeout", "10s"]
        if gzip { arguments += ["-H", "Accept-Encoding: gzip"] }
        let (status, output) = try await runCommand(wrk, arguments + [url])
        #expect(status == 0, "\(output)")
        let requests = output.split(separator: "\n").first { $0.contains("requests in") }
            .flatMap { Int($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") } ?? 0
        let errors = output.split(separator: "\n").first { $0.contains("Socket errors") || $0.contains("Non-2xx") }.map(String.init)
        return WrkResult(requests: requests, errors: errors, output: output)
    }

    func residentBytes(_ exporter: Exporter) throws -> Double {
        let status = try String(contentsOfFile: "/proc/\(exporter.process.pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        return try #require(Double(line.split(separator: " ").dropFirst().first ?? "")) * 1024
    }

    /// Cached scrapes (`--collector.min-interval`): memory flat over some
    /// 100,000 scrapes from 10 connections, then every request of 200
    /// connections answered 200, with and without gzip.
    ///
    /// Memory is measured with 10 connections, first: with 200, up to 200
    /// bodies of 400 kB are in flight at once and the resident size after a
    /// round is a high water mark that moved between 35 and 103 MiB with no
    /// trend (13 CI runs), more than any leak worth finding. With 10 the high
    /// water is 4 MB; a leak of 80 bytes a scrape still adds 8 MB over the
    /// measured rounds, and keeps growing.
    @Test func twoHundredConnectionsWithoutErrorsAndFlatMemory() async throws {
        let emulator = try await Emulator.start(images: 500)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url, "--collector.min-interval", "3600", "--web.max-requests", "0"],
            environment: emulatorCredentials)
        defer { exporter.stop() }
        let url = exporter.url + "/metrics"
        // Warm up: the first collection, allocator arenas, connection buffers.
        _ = try await wrk(url, connections: 10, seconds: 6, gzip: true)
        _ = try await wrk(url, connections: 10, seconds: 6, gzip: false)
        var peaks: [Double] = []
        var total = 0
        for _ in 0..<4 {
            for gzip in [true, false] {
                let result = try await wrk(url, connections: 10, seconds: 5, gzip: gzip)
                #expect(result.errors == nil, "\(result.output)")
                #expect(result.requests > 0, "\(result.output)")
                total += result.requests
            }
            peaks.append(try residentBytes(exporter))
        }
        let early = max(peaks[0], peaks[1]), late = max(peaks[2], peaks[3])
        print("RSS after each round of 10 connections (MiB): \(peaks.map { Int($0 / 1_048_576) }) over \(total) scrapes")
        #expect(late - early < 8 * 1_048_576, "RSS grew from \(early) to \(late) bytes over \(total) scrapes")
        // 200 connections: every request answered.
        for gzip in [true, false] {
            let result = try await wrk(url, connections: 200, seconds: 6, gzip: gzip)
            #expect(result.errors == nil, "\(result.output)")
            #expect(result.requests > 0, "\(result.output)")
        }
        #expect(try await emulator.stats().requests == 20, "one collection of 500 images for all of them")
        #expect(exporter.process.isRunning)
    }

    /// Real collections on every scrape: after a warm-up (allocator arenas,
    /// the HTTP client's pools), 10,000 more leave memory flat.
    @Test func tenThousandCollectionsWithFlatMemory() async throws {
        let emulator = try await Emulator.start(images: 20)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url], environment: emulatorCredentials)
        defer { exporter.stop() }
        let url = exporter.url + "/metrics"
        // Warm-up: allocator arenas and pools settle in the first thousands.
        _ = try await wrk(url, connections: 2, seconds: 5, gzip: true)
        let before = try residentBytes(exporter)
        let beforeRequests = try await emulator.stats().requests
        var scrapes = 0
        while scrapes < 10_000 {
            let result = try await wrk(url, connections: 2, seconds: 10, gzip: true)
            #expect(result.errors == nil, "\(result.output)")
            guard result.requests > 0 else { break }
            scrapes += result.requests
        }
        let after = try residentBytes(exporter)
        let collections = try await emulator.stats().requests - beforeRequests
        print("RSS \(before / 1_048_576) MiB -> \(after / 1_048_576) MiB over \(scrapes) scrapes, \(collections) API requests")
        // Two scrapes at once may share one collection; most do not.
        #expect(collections * 2 >= scrapes, "the scrapes called the API")
        #expect(after - before < 4 * 1_048_576, "RSS grew from \(before) to \(after) bytes over \(scrapes) scrapes")
    }
}
