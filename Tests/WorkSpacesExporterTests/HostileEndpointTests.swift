import Foundation
import TestSupport
import Testing

/// Issue 20: an AWS endpoint that misbehaves on purpose
/// (`Tests/Fixtures/raw_http_server.py`'s modes). For each, the real binary
/// stays alive, `/-/healthy` answers within 1 s throughout, the scrape
/// answers `up 0` within its timeout, and afterwards descriptors, memory and
/// CPU go back to their idle values (no thread left reading).
/// One mode at a time: each measures latency and idle CPU, which sixteen
/// exporters and floods at once on two cores would blur.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct HostileEndpointTests {
    static let modes = [
        "crlf-flood", "interim-flood", "header-flood", "chunk-ext-flood", "drip", "huge-body", "long-length", "short-body",
        "short-length", "reset-mid-body", "gzip-unasked", "bad-status", "two-lengths", "skewed-date", "tls-no-close-notify",
        "proxy-garbage",
    ]

    /// What the kernel says of the process: threads, open descriptors, RSS, CPU seconds.
    struct Footprint {
        var threads: Int
        var fds: Int
        var rss: Int
        var cpu: Double

        static func of(_ pid: Int32) -> Footprint {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            func field(_ name: String) -> Int {
                let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
                return Int(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") ?? -1
            }
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            let fields = stat.split(separator: ")").last.map { $0.split(separator: " ") } ?? []
            // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after ")".
            let ticks = fields.count > 13 ? (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0) : 0
            return Footprint(threads: field("Threads"), fds: fds, rss: field("VmRSS") * 1024, cpu: ticks / Double(sysconf(Int32(_SC_CLK_TCK))))
        }
    }

    @Test(arguments: modes)
    func aHostileEndpointChangesNothingButUp(mode: String) async throws {
        var serverArguments: [String] = ["--seconds", "10"]
        var endpoint = ""
        var environment = ["AWS_ACCESS_KEY_ID": "AKIDHOSTILE", "AWS_SECRET_ACCESS_KEY": "hostile-secret"]
        var certificates: TestCertificates?
        if mode == "tls-no-close-notify" {
            let made = try await TestCertificates.make()
            certificates = made
            serverArguments += ["--tls", made.path("server.pem"), made.path("server.key")]
            environment["AWS_CA_BUNDLE"] = made.path("ca.pem")
        }
        let script = PackagePaths.root.appendingPathComponent("Tests/Fixtures/raw_http_server.py").path
        let python = PackagePaths.which("python3") ?? "/usr/bin/python3"
        let (server, port) = try await ChildProcess.startServer { port in
            try ChildProcess(python, [script, "--port", String(port), "--mode", mode] + serverArguments)
        }
        defer { server.stop() }
        switch mode {
        case "tls-no-close-notify":
            endpoint = "https://127.0.0.1:\(port)"
        case "proxy-garbage":
            // Only the proxy is ever connected to: the name below is never resolved.
            endpoint = "https://workspaces.us-east-1.amazonaws.invalid"
            environment["HTTPS_PROXY"] = "http://127.0.0.1:\(port)"
        default:
            endpoint = "http://127.0.0.1:\(port)"
        }
        _ = certificates
        let exporter = try await Exporter.start(
            // The collection ends with the scrape (a shared collection runs on --collector.timeout).
            ["--aws.region", "us-east-1", "--aws.endpoint-url", endpoint, "--no-collector.bundles", "--collector.timeout", "4s"],
            environment: environment)
        defer { exporter.stop() }
        let pid = exporter.process.pid
        _ = try await HTTPFetch.fetch(exporter.url + "/-/healthy")
        let before = Footprint.of(pid)

        // Prometheus's scrape, with /-/healthy asked every 200 ms meanwhile.
        let clock = ContinuousClock()
        let health = Task { () -> ([Double], [String]) in
            var latencies: [Double] = [], failures: [String] = []
            while !Task.isCancelled {
                let start = clock.now
                do {
                    let status = try await HTTPFetch.fetch(exporter.url + "/-/healthy", timeout: .seconds(5)).status
                    latencies.append(status == 200 ? start.duration(to: clock.now) / .seconds(1) : .infinity)
                    if status != 200 { failures.append("HTTP \(status)") }
                } catch {
                    // Stopped by the test while a check was in flight: not a failure.
                    if Task.isCancelled { break }
                    latencies.append(.infinity)
                    failures.append("\(error)")
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
            return (latencies, failures)
        }
        let start = clock.now
        let (response, metrics) = try await exporter.scrape(headers: [("X-Prometheus-Scrape-Timeout-Seconds", "4")])
        let elapsed = start.duration(to: clock.now)
        try await Task.sleep(for: .milliseconds(400))
        health.cancel()
        let (latencies, failures) = await health.value

        #expect(response.status == 200)
        #expect(metrics.value("aws_workspaces_up") == 0, "\(exporter.log)")
        #expect(metrics.series("aws_workspaces_image_info").isEmpty)
        #expect(elapsed < .seconds(5), "the scrape answered within its timeout of 4 s (3.5 s budget): \(elapsed)")
        #expect(!latencies.isEmpty && latencies.allSatisfy { $0 < 1 }, "/-/healthy throughout: \(latencies) \(failures)")
        #expect(exporter.process.isRunning, "\(exporter.log)")

        // Afterwards: descriptors back, memory bounded, and no thread still busy.
        var after = Footprint.of(pid)
        for _ in 0..<40 where after.fds > before.fds + 2 {
            try await Task.sleep(for: .milliseconds(250))
            after = Footprint.of(pid)
        }
        #expect(after.fds <= before.fds + 2, "descriptors \(before.fds) → \(after.fds)")
        // Parked worker threads end after 30 s idle; none may be busy.
        #expect(after.threads <= before.threads + 8, "threads \(before.threads) → \(after.threads)")
        // Not under AddressSanitizer, whose quarantine keeps freed memory resident by design.
        if !PackagePaths.sanitized { #expect(after.rss < before.rss + (48 << 20), "RSS \(before.rss) → \(after.rss)") }
        let cpuStart = Footprint.of(pid).cpu
        try await Task.sleep(for: .seconds(1))
        let idleCPU = Footprint.of(pid).cpu - cpuStart
        #expect(idleCPU < 0.2, "CPU seconds in an idle second after the attack: \(idleCPU)")
        print("hostile endpoint \(mode): scrape \(elapsed), worst /-/healthy \(latencies.max() ?? -1) s, threads \(before.threads)→\(after.threads), fds \(before.fds)→\(after.fds), RSS \(before.rss >> 20)→\(after.rss >> 20) MiB, idle CPU \(idleCPU) s")
    }
}
