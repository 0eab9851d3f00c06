import Foundation
import TestSupport
import Testing
import WorkSpacesEmulator

/// The real binary against the emulator: every family checked against the seed.
@Suite(.timeLimit(.minutes(2)))
struct EmulatorScrapeTests {
    static let imageCount = 137
    static let pageSize = 10

    @Test func everyFamilyMatchesTheSeededImages() async throws {
        let emulator = try await Emulator.start(images: Self.imageCount)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url, "--workspaces.page-size", String(Self.pageSize)],
            environment: emulatorCredentials)
        defer { exporter.stop() }

        // Connections so far: the readiness probe and this stats call's own.
        let baseline = try await emulator.stats()
        let before = Date().timeIntervalSince1970
        let (response, metrics) = try await exporter.scrape()
        let after = Date().timeIntervalSince1970
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")

        let seed = SeedImages.images(count: Self.imageCount)
        let region = ["region": "us-east-1"]
        #expect(metrics.value("aws_workspaces_up", region) == 1)
        #expect((metrics.value("aws_workspaces_scrape_duration_seconds", region) ?? -1) > 0)

        // Counts by state, tenancy and OS; the 12 known combinations always present.
        var expectedCounts: [[String: String]: Double] = [:]
        for state in ["AVAILABLE", "PENDING", "ERROR"] {
            for tenancy in ["DEFAULT", "DEDICATED"] {
                for os in ["WINDOWS", "LINUX"] {
                    expectedCounts[["state": state, "required_tenancy": tenancy, "os_type": os, "region": "us-east-1"]] = 0
                }
            }
        }
        for image in seed {
            let key = [
                "state": image.state ?? "unknown", "required_tenancy": image.requiredTenancy ?? "unknown",
                "os_type": image.operatingSystemType ?? "unknown", "region": "us-east-1",
            ]
            expectedCounts[key, default: 0] += 1
        }
        #expect(metrics.series("aws_workspaces_images", dropping: "account_id") == expectedCounts)
        #expect(metrics.series("aws_workspaces_images").keys.allSatisfy { $0.labels["account_id"] == Exporter.defaultAccount })

        // Error codes: once per image per distinct code, every model code present.
        var expectedErrors: [String: Double] = Dictionary(uniqueKeysWithValues: SeedImages.errorDetailCodes.map { ($0, 0) })
        for image in seed {
            var codes = Set(image.errorDetailCodes ?? [])
            if let code = image.errorCode { codes.insert(code) }
            codes.remove("")
            for code in codes { expectedErrors[code, default: 0] += 1 }
        }
        let errors = metrics.series("aws_workspaces_image_errors")
        #expect(Dictionary(uniqueKeysWithValues: errors.map { ($0.key.labels["error_code"] ?? "?", $0.value) }) == expectedErrors)
        #expect(errors.count >= 48)

        #expect(metrics.value("aws_workspaces_images_update_available", region) == Double(seed.filter { $0.updateAvailable == true }.count))

        for image in seed {
            let id = try #require(image.imageId)
            let info = [
                "image_id": id, "name": image.name ?? "unknown", "state": image.state ?? "unknown",
                "required_tenancy": image.requiredTenancy ?? "unknown", "os_type": image.operatingSystemType ?? "unknown",
                "owner_account_id": image.ownerAccountId ?? "unknown", "region": "us-east-1",
            ]
            #expect(metrics.value("aws_workspaces_image_info", info) == 1, "info for \(id)")
            let idLabels = ["image_id": id, "region": "us-east-1"]
            #expect(metrics.value("aws_workspaces_image_update_available", idLabels) == (image.updateAvailable == true ? 1 : 0))
            if let created = image.created {
                let reported = try #require(metrics.value("aws_workspaces_image_created_timestamp_seconds", idLabels))
                #expect(abs(reported - created) < 0.001, "created for \(id)")
                let age = try #require(metrics.value("aws_workspaces_image_age_seconds", idLabels))
                #expect(age >= before - created - 1 && age <= after - created + 1, "age for \(id)")
            } else {
                #expect(metrics.value("aws_workspaces_image_created_timestamp_seconds", idLabels) == nil)
            }
        }
        #expect(metrics.series("aws_workspaces_image_info").count == Self.imageCount)
        #expect(metrics.value("aws_workspaces_exporter_build_info", try await BuiltVersion.read().labels) == 1)

        // Exactly ceil(N / page size) API requests for the scrape, over one
        // kept-alive connection per operation collected at once (images and
        // bundles); a second scrape reuses them.
        let pages = (Self.imageCount + Self.pageSize - 1) / Self.pageSize
        let stats = try await emulator.stats()
        #expect(stats.requests == pages)
        // (A third only when a loaded machine made a pooled connection time out.)
        #expect(stats.connections - baseline.connections <= 3)
        _ = try await exporter.scrape()
        let again = try await emulator.stats()
        #expect(again.requests == 2 * pages)
        // Reuse, whatever the overlap: 14 pages and the bundles open at most
        // the connections two requests at once need, and usually none.
        #expect(again.connections - stats.connections <= 2)
    }

    @Test func outputPassesPromtool() async throws {
        let promtool = try #require(PackagePaths.which("promtool"), "promtool is needed (apt install prometheus)")
        let emulator = try await Emulator.start(images: 60)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.region", "eu-west-1", "--aws.endpoint-url", emulator.url], environment: emulatorCredentials)
        defer { exporter.stop() }
        let (response, metrics) = try await exporter.scrape()
        let result = try await runCommand(promtool, ["check", "metrics"], stdin: response.text)
        #expect(result.status == 0, "promtool: \(result.output)")
        // Two regions, collected concurrently, each complete.
        #expect(metrics.value("aws_workspaces_up", ["region": "us-east-1"]) == 1)
        #expect(metrics.value("aws_workspaces_up", ["region": "eu-west-1"]) == 1)
        #expect(metrics.series("aws_workspaces_image_info").count == 120)
    }

    @Test func gzipWhenAcceptedAndVaryAlways() async throws {
        let emulator = try await Emulator.start(images: 30)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url], environment: emulatorCredentials)
        defer { exporter.stop() }

        let plain = try await HTTPFetch.fetch(exporter.url + "/metrics", headers: [("Accept-Encoding", "identity")])
        #expect(plain.headers["content-encoding"] == nil)
        #expect(plain.headers["vary"] == "Accept-Encoding")

        let zipped = try await HTTPFetch.fetch(exporter.url + "/metrics", headers: [("Accept-Encoding", "gzip, deflate")])
        #expect(zipped.headers["content-encoding"] == "gzip")
        #expect(zipped.headers["vary"] == "Accept-Encoding")
        let text = try #require(gunzip(zipped.body))
        #expect(zipped.body.count * 4 < text.count)
        let metrics = ParsedExposition(String(decoding: text, as: UTF8.self))
        #expect(metrics.series("aws_workspaces_image_info").count == 30)
    }

    @Test func landingPageNotFoundAndMethods() async throws {
        let emulator = try await Emulator.start(images: 3)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url, "--web.telemetry-path", "/custom"],
            environment: emulatorCredentials)
        defer { exporter.stop() }

        let landing = try await HTTPFetch.fetch(exporter.url + "/")
        #expect(landing.status == 200)
        #expect(landing.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(landing.text.contains(#"<a href="/custom">"#))

        #expect(try await HTTPFetch.fetch(exporter.url + "/metrics").status == 404)
        #expect(try await HTTPFetch.fetch(exporter.url + "/custom/extra").status == 404)

        let post = try await HTTPFetch.fetch(exporter.url + "/custom", method: .POST)
        #expect(post.status == 405)
        #expect(post.headers["allow"] == "GET, HEAD")
        // With a body, refused before anything else: no endpoint reads one.
        #expect(try await HTTPFetch.fetch(exporter.url + "/custom", method: .POST, body: Array("x=1".utf8)).status == 413)
        #expect(try await HTTPFetch.fetch(exporter.url + "/custom", method: .DELETE).status == 405)

        let head = try await HTTPFetch.fetch(exporter.url + "/custom", method: .HEAD)
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(head.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
    }

    @Test func keepAliveConnectionsAreReused() async throws {
        let curl = try #require(PackagePaths.which("curl"), "curl is needed (apt install curl)")
        let emulator = try await Emulator.start(images: 3)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url], environment: emulatorCredentials)
        defer { exporter.stop() }
        // One curl, three transfers: one TCP connect, then two reuses.
        let url = exporter.url + "/metrics"
        let result = try await runCommand(curl, ["-s", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{num_connects}\n", url, url, url])
        #expect(result.status == 0)
        #expect(result.output.split(separator: "\n") == ["1", "0", "0"])
    }

    @Test func aSlowScrapeDoesNotBlockOtherRequests() async throws {
        // 15 s: long enough that a loaded machine answers the three requests
        // below before the API answers the scrape.
        let emulator = try await Emulator.start(images: 3, extra: ["--latency-ms", "15000"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--no-collector.bundles"], environment: emulator.environment)
        defer { exporter.stop() }
        let slowDone = Counter()
        let url = exporter.url
        let slow = Task {
            defer { slowDone.increment() }
            return try await HTTPFetch.fetch(url + "/metrics")
        }
        // The scrape is inside the exporter, waiting on the API (15 s).
        while try await emulator.stats().requests == 0 { try await Task.sleep(for: .milliseconds(10)) }
        for path in ["/", "/-/healthy", "/-/ready"] {
            let answer = try await HTTPFetch.fetch(exporter.url + path)
            #expect(answer.status == 200)
            // Ordering, not timing: answered while the scrape still waits on the API.
            let done = slowDone.value
            #expect(done == 0, "\(path) came after the API's answer")
        }
        #expect(try await slow.value.status == 200)
    }
}

@Suite(.timeLimit(.minutes(1)))
struct ShutdownTests {
    @Test func sigtermDuringASlowScrapeLetsItFinishAndExitsZero() async throws {
        let emulator = try await Emulator.start(images: 3, extra: ["--latency-ms", "1500"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url], environment: emulatorCredentials)
        defer { exporter.stop() }
        async let scrape = exporter.scrape()
        // Signal only once the scrape is inside the exporter, waiting on the API.
        while try await emulator.stats().requests == 0 { try await Task.sleep(for: .milliseconds(20)) }
        let status = await exporter.process.terminate(signal: SIGTERM, timeout: .seconds(10))
        let (response, metrics) = try await scrape
        #expect(response.status == 200)
        #expect(metrics.value("aws_workspaces_up", ["region": "us-east-1"]) == 1)
        #expect(status == 0)
        #expect(exporter.log.contains("msg=stopped"))
    }

    /// Keep-alive clients must not hold shutdown open: new requests on them
    /// get 503 with Connection: close (readiness first), new connections are
    /// refused, the scrape in flight finishes, and the process exits as soon
    /// as it is done rather than after the whole grace period.
    @Test func shutdownUnderKeepAliveLoad() async throws {
        let emulator = try await Emulator.start(images: 3, extra: ["--latency-ms", "1500"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--no-collector.bundles"], environment: emulator.environment)
        defer { exporter.stop() }
        let port = exporter.port
        let keptAlive = try #require(RawConnection(port: port, readTimeout: .seconds(3)))
        keptAlive.send(Array("GET /-/ready HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        let first = try await blocking { keptAlive.readAll(limit: 200).bytes }
        #expect(RawConnection.status(of: first) == 200)
        async let scrape = exporter.scrape()
        while try await emulator.stats().requests == 0 { try await Task.sleep(for: .milliseconds(10)) }
        let clock = ContinuousClock()
        let signalled = clock.now
        kill(exporter.process.pid, SIGTERM)
        // Wait for the exporter to start draining (its log says so).
        for _ in 0..<100 where !exporter.log.contains("shutting down") && !exporter.log.contains("Shutting down") { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(100))
        keptAlive.send(Array("GET /-/ready HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        let (readiness, closed) = try await blocking { keptAlive.readAll(limit: 4096) }
        let text = String(decoding: readiness, as: UTF8.self)
        #expect(RawConnection.status(of: readiness) == 503, "\(text)")
        #expect(text.lowercased().contains("connection: close") && closed)
        #expect(!FreePort.isListening(port), "new connections are refused while draining")
        let (response, metrics) = try await scrape
        #expect(response.status == 200, "the scrape in flight finishes normally")
        #expect(metrics.value("aws_workspaces_up", ["region": "us-east-1"]) == 1)
        let status = await exporter.process.waitForExit(timeout: .seconds(10))
        let took = signalled.duration(to: clock.now)
        #expect(status == 0)
        #expect(took < .seconds(4), "exit right after the last request, not after the 5 s grace: \(took)")
    }

    @Test func sigintExitsZero() async throws {
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.endpoint-url", "http://127.0.0.1:9"], environment: emulatorCredentials)
        #expect(await exporter.process.terminate(signal: SIGINT) == 0)
    }
}
