import Foundation
import TestSupport
import Testing

/// What an attacker on the same network can do to the real binary, each
/// bounded in count and time: whatever it does, Prometheus is answered, and
/// memory and descriptors come back to where they were.
@Suite(.timeLimit(.minutes(3)))
struct HostileClientTests {
    static let fixture = PackagePaths.root.appendingPathComponent("Tests/Fixtures/hostile_client.py").path

    func start(_ extra: [String] = [], images: Int = 12) async throws -> (Emulator, Exporter) {
        let emulator = try await Emulator.start(images: images)
        do {
            let exporter = try await Exporter.start(["--aws.region", "us-east-1"] + extra, environment: emulator.environment)
            return (emulator, exporter)
        } catch {
            emulator.stop()
            throw error
        }
    }

    /// The exporter's own RSS and open descriptors, read from its metrics.
    func footprint(_ exporter: Exporter) async throws -> (rss: Double, fds: Double) {
        let (_, metrics) = try await exporter.scrape()
        return (metrics.value("process_resident_memory_bytes") ?? .nan, metrics.value("process_open_fds") ?? .nan)
    }

    /// Latency of a legitimate client during an attack: /metrics and /-/healthy, every 250 ms.
    func legitimateLatencies(_ exporter: Exporter, for duration: Duration, headers: [(String, String)] = []) async throws -> [(status: Int, seconds: Double)] {
        var results: [(Int, Double)] = []
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: duration)
        while clock.now < end {
            for path in ["/metrics", "/-/healthy"] {
                let start = clock.now
                let status = (try? await HTTPFetch.fetch(exporter.url + path, headers: headers, timeout: .seconds(10)).status) ?? 0
                results.append((status, start.duration(to: clock.now) / .seconds(1)))
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        return results
    }

    func attack(_ arguments: [String]) throws -> ChildProcess {
        try ChildProcess(PackagePaths.which("python3") ?? "/usr/bin/python3", [Self.fixture] + arguments)
    }

    /// `slowbody` is issue 20's: complete POST headers, then a body one byte a
    /// second. Bodies are refused at once now (413, connection closed), so the
    /// attacker holds nothing; before, 64 such connections filled the limit.
    @Test(arguments: ["slowloris", "reopen", "slowbody"])
    func slowAndSilentConnectionsDoNotStarvePrometheus(mode: String) async throws {
        // A small limit, so that the attack fills it many times over in a bounded test.
        let (emulator, exporter) = try await start(["--web.max-connections", "64"])
        defer { exporter.stop(); emulator.stop() }
        let before = try await footprint(exporter)
        let attacker = try attack([mode, String(exporter.port), "300", "6"])
        defer { attacker.stop() }
        try await Task.sleep(for: .seconds(1))
        let latencies = try await legitimateLatencies(exporter, for: .seconds(4))
        _ = await attacker.waitForExit(timeout: .seconds(10))
        let worst = latencies.map(\.seconds).max() ?? .infinity
        print("\(mode): \(latencies.count) legitimate requests during the attack, worst \(worst) s; attacker \(attacker.stdout)")
        #expect(latencies.allSatisfy { $0.status == 200 }, "\(latencies)")
        // Generous: the goal is within 1 s on an idle machine.
        #expect(worst < 3, "a legitimate client waited \(worst) s")
        if mode == "slowbody" {
            let report = try #require(try JSONSerialization.jsonObject(with: Data(attacker.stdout.utf8)) as? [String: Any])
            #expect(report["cut"] as? Int == report["opened"] as? Int, "every body-sending connection was answered and closed: \(report)")
        }
        try await expectRecovered(exporter, from: before)
    }

    @Test func aWrongPasswordFloodNeverLocksOutTheRightUser() async throws {
        let htpasswd = try #require(PackagePaths.which("htpasswd"))
        func hash(_ user: String, _ password: String) async throws -> String {
            let output = try await runCommand(htpasswd, ["-nbBC", "10", user, password]).output
            return String(output.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let directory = try PackagePaths.temporaryDirectory("auth")
        let config = directory.appendingPathComponent("web.yml")
        try "basic_auth_users:\n  alice: \(try await hash("alice", "s3cret"))\n  bob: \(try await hash("bob", "other"))\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let (emulator, exporter) = try await start(["--web.config.file", config.path])
        defer { exporter.stop(); emulator.stop() }
        let before = try await footprint(exporter, authorized: true)
        // 100 wrong passwords a second from another address: for alice herself,
        // for bob, and for names that do not exist.
        let attacker = try attack(["authflood", String(exporter.port), "100", "6", "127.0.0.2", "alice", "bob", "mallory", "eve"])
        defer { attacker.stop() }
        try await Task.sleep(for: .seconds(1))
        let right = [("Authorization", "Basic " + Data("alice:s3cret".utf8).base64EncodedString())]
        let latencies = try await legitimateLatencies(exporter, for: .seconds(4), headers: right)
        _ = await attacker.waitForExit(timeout: .seconds(15))
        let worst = latencies.map(\.seconds).max() ?? .infinity
        print("auth flood: \(latencies.count) requests of the right user, worst \(worst) s; attacker \(attacker.stdout)")
        #expect(latencies.allSatisfy { $0.status == 200 }, "the right user got \(latencies.map(\.status))")
        #expect(worst < 5)
        // The attacker got refusals: 401 for checked passwords, 503 with
        // Retry-After when too many waited. Never a 200, never a 503 without Retry-After.
        let report = try #require(try JSONSerialization.jsonObject(with: Data(attacker.stdout.utf8)) as? [String: Any])
        let statuses = try #require(report["statuses"] as? [String: Int])
        #expect(statuses.keys.allSatisfy { ["401", "503+retry"].contains($0) }, "\(statuses)")
        #expect((statuses["401"] ?? 0) > 0)
        try await expectRecovered(exporter, from: before, authorized: true)
    }

    /// Issue 20: 100 wrong passwords a second for the right user's own name,
    /// (a) from another address, each password different, and (b) from the
    /// right user's own address, one wrong password again and again. The right
    /// password, never checked before (nothing cached), gets 200 within 2 s,
    /// and every time after.
    @Test(arguments: [("127.0.0.2", "authflood"), ("127.0.0.1", "authflood-same")])
    func theRightPasswordGetsThroughAFloodForTheSameUser(source: String, mode: String) async throws {
        let htpasswd = try #require(PackagePaths.which("htpasswd"))
        let output = try await runCommand(htpasswd, ["-nbBC", "10", "alice", "s3cret"]).output
        let hash = String(output.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespacesAndNewlines)
        let config = try PackagePaths.temporaryDirectory("auth").appendingPathComponent("web.yml")
        try "basic_auth_users:\n  alice: \(hash)\n".write(to: config, atomically: true, encoding: .utf8)
        let (emulator, exporter) = try await start(["--web.config.file", config.path])
        defer { exporter.stop(); emulator.stop() }
        let attacker = try attack([mode, String(exporter.port), "100", "6", source, "alice"])
        defer { attacker.stop() }
        try await Task.sleep(for: .seconds(1))
        let right = [("Authorization", "Basic " + Data("alice:s3cret".utf8).base64EncodedString())]
        let latencies = try await legitimateLatencies(exporter, for: .seconds(4), headers: right)
        _ = await attacker.waitForExit(timeout: .seconds(15))
        let first = latencies.first?.seconds ?? .infinity
        let worst = latencies.map(\.seconds).max() ?? .infinity
        print("\(mode) from \(source): the right password first answered in \(first) s, worst \(worst) s over \(latencies.count); attacker \(attacker.stdout)")
        #expect(latencies.allSatisfy { $0.status == 200 }, "the right user got \(latencies.map(\.status))")
        #expect(worst < 2, "the right password waited \(worst) s")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(attacker.stdout.utf8)) as? [String: Any])
        let statuses = try #require(report["statuses"] as? [String: Int])
        #expect(statuses.keys.allSatisfy { ["401", "503+retry"].contains($0) }, "\(statuses)")
    }

    func footprint(_ exporter: Exporter, authorized: Bool) async throws -> (rss: Double, fds: Double) {
        let (_, metrics) = try await exporter.scrape(headers: [("Authorization", "Basic " + Data("alice:s3cret".utf8).base64EncodedString())])
        return (metrics.value("process_resident_memory_bytes") ?? .nan, metrics.value("process_open_fds") ?? .nan)
    }

    func expectRecovered(_ exporter: Exporter, from before: (rss: Double, fds: Double), authorized: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        // Connections the attack left behind close within a few seconds.
        var after = before
        for _ in 0..<40 {
            after = authorized ? try await footprint(exporter, authorized: true) : try await footprint(exporter)
            if after.fds <= before.fds + 4 { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(after.fds <= before.fds + 4, "descriptors \(before.fds) → \(after.fds)", sourceLocation: sourceLocation)
        // Generous: connection memory is returned to the allocator, not always to the system.
        // Not under AddressSanitizer, whose quarantine keeps freed memory resident by design.
        if !PackagePaths.sanitized {
            #expect(after.rss < before.rss + Double(48 << 20), "RSS \(before.rss) → \(after.rss)", sourceLocation: sourceLocation)
        }
        #expect(exporter.process.isRunning, sourceLocation: sourceLocation)
    }

    @Test func requestLinesNearTheLimitAreAnsweredAtOnce() async throws {
        let (emulator, exporter) = try await start()
        defer { exporter.stop(); emulator.stop() }
        let port = exporter.port
        let limit = 16 * 1024
        for size in [limit - 1000, limit - 300, limit - 100, limit - 30, limit, limit + 30, limit + 1000, 2 * limit, 3 * limit, 4 * limit] {
            let (status, waited) = try await blocking { () -> (Int?, Duration) in
                let clock = ContinuousClock()
                let start = clock.now
                guard let connection = RawConnection(port: port, readTimeout: .seconds(3)) else { return (nil, .zero) }
                connection.send(Array("GET /\(String(repeating: "a", count: size)) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
                return (RawConnection.status(of: connection.readAll(limit: 4096).bytes), start.duration(to: clock.now))
            }
            #expect(status != nil, "a \(size)-byte path got no status")
            #expect([404, 414, 431].contains(status ?? 0), "\(size): \(status ?? 0)")
            #expect(waited < .seconds(2), "\(size): answered after \(waited)")
        }
    }

    @Test func framingAmbiguitiesAreRefused() async throws {
        let (emulator, exporter) = try await start()
        defer { exporter.stop(); emulator.stop() }
        let port = exporter.port
        let cases: [(String, Int)] = [
            ("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
            ("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
            ("GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n", 400),
            ("GET /metrics%00foo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404),
            // Found by fuzzing (Tests/Fuzz/Corpus/http-request/crash-bare-cr-in-request-line): a bare CR
            // inside the request line reached the handler as part of the path.
            ("GET /-\r]\r\u{8}GE)ET / HTTP/1.0\r\nAuthorization:nnection: close\r\n\r\n", 400),
            ("GET /metrics\rX HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400),
            // An escaped CR LF stays escaped: not the telemetry path, and never a line break.
            ("GET /metrics%0D%0Afoo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 404),
            ("G\u{1}T /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400),
            // Control: the same request, well formed, is served.
            ("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 200),
        ]
        for (raw, expected) in cases {
            let status = try await blocking { () -> Int? in
                guard let connection = RawConnection(port: port, readTimeout: .seconds(10)) else { return nil }
                connection.send(Array(raw.utf8))
                return RawConnection.status(of: connection.readAll(limit: 4096).bytes)
            }
            #expect(status == expected, "\(raw.debugDescription)")
        }
    }

    @Test func nothingTheNetworkSendsForgesALogLine() async throws {
        let emulator = try await Emulator.start(images: 3, extra: ["--fault", "crlf-message"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--log.level", "debug"], environment: emulator.environment)
        defer { exporter.stop() }
        _ = try await exporter.scrape()
        _ = try await HTTPFetch.fetch(exporter.url + "/x%0d%0alevel=error%20msg=FORGED%0a")
        let lines = exporter.log.split(separator: "\n")
        #expect(lines.allSatisfy { $0.hasPrefix("ts=") }, "every line is one of ours: \(lines)")
        // The forged text appears only inside quoted values: escaped (\\r\\n), or still percent-encoded (%0a).
        #expect(!lines.contains { $0.contains("level=error msg=FORGED") && !$0.contains("\\r\\n") && !$0.contains("%0a") }, "\(exporter.log)")
        #expect(!lines.contains { $0.hasPrefix("ts=2026-01-01") })
        #expect(lines.contains { $0.contains("code=ValidationException") })
    }

    @Test func randomErrorCodesDoNotGrowTheSeries() async throws {
        let emulator = try await Emulator.start(images: 3, extra: ["--fault", "random-code"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.max-attempts", "1"], environment: emulator.environment)
        defer { exporter.stop() }
        var last: FetchedResponse?
        for _ in 0..<200 { last = try await HTTPFetch.fetch(exporter.url + "/metrics") }
        let metrics = ParsedExposition(last?.text ?? "")
        let codes = Set(metrics.series("aws_workspaces_api_requests_total").keys.compactMap { $0.labels["code"] })
        #expect(codes.isSubset(of: ["200", "other"]), "\(codes)")
        #expect(metrics.value("aws_workspaces_api_requests_total", ["code": "other", "operation": "DescribeWorkspaceImages"]) == 200)
        #expect((last?.body.count ?? .max) < 200_000)
        // The raw code is in the log, bounded, so an operator can still see it.
        #expect(exporter.log.contains("code=Random"))
        #expect(!exporter.log.split(separator: "\n").contains { $0.utf8.count > 2000 })
    }

    @Test func userSignalsAreLoggedNotFatal() async throws {
        let (emulator, exporter) = try await start()
        defer { exporter.stop(); emulator.stop() }
        for signal in [SIGUSR1, SIGUSR2, SIGHUP] {
            kill(exporter.process.pid, signal)
        }
        // The log says so; wait for the third line rather than sleeping.
        for _ in 0..<100 where !(exporter.log.contains("SIGUSR2") && exporter.log.contains("reload")) {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(exporter.process.isRunning)
        #expect(exporter.log.contains("signal=SIGUSR1") && exporter.log.contains("signal=SIGUSR2"))
        #expect(try await HTTPFetch.fetch(exporter.url + "/-/healthy").status == 200)
    }
}
