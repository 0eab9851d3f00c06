import Foundation
import TestSupport
import Testing

/// What the binary serves besides image metrics: OpenMetrics on request,
/// health and readiness, the process metrics.
@Suite(.timeLimit(.minutes(2)))
struct ExporterEndpointsTests {
    static let prometheusAccept =
        "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"

    @Test func openMetricsWhenAskedTextOtherwise() async throws {
        let emulator = try await Emulator.start(images: 12)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url], environment: emulatorCredentials)
        defer { exporter.stop() }

        for gzip in [false, true] {
            var headers = [("Accept", Self.prometheusAccept)]
            if gzip { headers.append(("Accept-Encoding", "gzip")) }
            let response = try await HTTPFetch.fetch(exporter.url + "/metrics", headers: headers)
            #expect(response.headers["content-type"] == "application/openmetrics-text; version=1.0.0; charset=utf-8")
            let body = gzip ? try #require(gunzip(response.body)) : response.body
            let text = String(decoding: body, as: UTF8.self)
            #expect(text.hasSuffix("# EOF\n"))
            #expect(text.components(separatedBy: "# EOF").count == 2, "exactly one # EOF")
            #expect(text.contains("# TYPE aws_workspaces_api_requests counter\n"))
            #expect(text.contains("\naws_workspaces_api_requests_total{"))
            #expect(text.contains("# TYPE process_cpu_seconds counter\n"))
            #expect(ParsedExposition(text).series("aws_workspaces_image_info").count == 12)
        }
        let (plain, _) = try await exporter.scrape()
        #expect(plain.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(!plain.text.contains("# EOF"))
        #expect(plain.text.contains("# TYPE aws_workspaces_api_requests_total counter\n"))
    }

    @Test func openMetricsOutputPassesAnIndependentParser() async throws {
        let emulator = try await Emulator.start(images: 40)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url], environment: emulatorCredentials)
        defer { exporter.stop() }
        let (response, _) = try await exporter.scrape(headers: [("Accept", Self.prometheusAccept)])
        // prometheus_client's strict OpenMetrics parser (pip, installed by scripts/deps.sh).
        let script = """
        import sys
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
        families = list(text_string_to_metric_families(sys.stdin.read()))
        print(len(families), sum(len(f.samples) for f in families))
        """
        let (status, output) = try await runCommand(PackagePaths.which("python3") ?? "/usr/bin/python3", ["-c", script], stdin: response.text)
        #expect(status == 0, "\(output)")
        let counts = output.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(counts.count == 2 && counts[0] > 15 && counts[1] > 100, "\(output)")
    }

    @Test func healthReadinessAndProcessMetrics() async throws {
        let emulator = try await Emulator.start(images: 3)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url], environment: emulatorCredentials)
        defer { exporter.stop() }
        for path in ["/-/healthy", "/-/ready"] {
            let response = try await HTTPFetch.fetch(exporter.url + path)
            #expect(response.status == 200)
        }
        #expect(try await HTTPFetch.fetch(exporter.url + "/-/healthy", method: .POST).status == 405)

        let started = Date().timeIntervalSince1970
        let (_, metrics) = try await exporter.scrape()
        let rss = try #require(metrics.value("process_resident_memory_bytes"))
        #expect(rss > 1_000_000 && rss < 1_000_000_000)
        #expect((metrics.value("process_virtual_memory_bytes") ?? 0) > rss)
        // In clock ticks: a release binary may not have used one yet.
        #expect((metrics.value("process_cpu_seconds_total") ?? -1) >= 0)
        let start = try #require(metrics.value("process_start_time_seconds"))
        #expect(start <= started + 1 && start > started - 120)
        let open = try #require(metrics.value("process_open_fds"))
        #expect(open >= 3)
        #expect((metrics.value("process_max_fds") ?? 0) > open)
        // The HTTP client's own health: pooled connections are reused. How
        // many a scrape needs depends on how its concurrent requests happened
        // to overlap, so this compares connections with requests rather than
        // expecting an exact count.
        let opened = try #require(metrics.value("aws_workspaces_http_client_connections_opened_total"))
        #expect(opened >= 1)
        #expect((metrics.value("aws_workspaces_http_client_threads") ?? 0) >= 1)
        let requestsBefore = metrics.series("aws_workspaces_api_requests_total").values.reduce(0, +)
        var later = metrics
        for _ in 0..<5 { later = try await exporter.scrape().1 }
        let requests = later.series("aws_workspaces_api_requests_total").values.reduce(0, +) - requestsBefore
        let newConnections = try #require(later.value("aws_workspaces_http_client_connections_opened_total")) - opened
        #expect(requests >= 5)
        #expect(newConnections * 2 < requests, "\(newConnections) connections for \(requests) requests")
        // The same, as the kernel tells it.
        let status = try String(contentsOfFile: "/proc/\(exporter.process.pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        let kibibytes = try #require(Double(line.split(separator: " ").dropFirst().first ?? ""))
        #expect(abs(kibibytes * 1024 - rss) < 16 * 1024 * 1024)
    }

    @Test func listensOnSeveralAddresses() async throws {
        let emulator = try await Emulator.start(images: 3)
        defer { emulator.stop() }
        let second = FreePort.next()
        // IPv6 loopback when the machine has it, else a second IPv4 port.
        let hasIPv6 = FileManager.default.fileExists(atPath: "/proc/net/if_inet6")
        let extra = hasIPv6 ? "[::1]:\(second)" : "127.0.0.1:\(second)"
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--web.listen-address", extra], environment: emulator.environment)
        defer { exporter.stop() }
        #expect(try await HTTPFetch.fetch(exporter.url + "/-/healthy").status == 200)
        let url = hasIPv6 ? "http://[::1]:\(second)/metrics" : "http://127.0.0.1:\(second)/metrics"
        let response = try await HTTPFetch.fetch(url)
        #expect(response.status == 200 && ParsedExposition(response.text).value("aws_workspaces_up") == 1)
        #expect(exporter.log.contains(extra))
    }

    /// HEAD on the telemetry path says what GET answers with, without calling AWS.
    @Test func headDoesNotCollect() async throws {
        let emulator = try await Emulator.start(images: 3)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1"], environment: emulator.environment)
        defer { exporter.stop() }
        let head = try await HTTPFetch.fetch(exporter.url + "/metrics", method: .HEAD)
        #expect(head.status == 200 && head.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        #expect(try await emulator.stats().total == 0)
    }
}
