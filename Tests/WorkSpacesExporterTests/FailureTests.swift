import Foundation
import TestSupport
import Testing
import WorkSpacesEmulator

/// Every way the API can fail gives 200, `aws_workspaces_up 0`, no image
/// series, one log line naming the error code, and a process that keeps serving.
@Suite(.timeLimit(.minutes(2)))
struct FailureTests {
    static let imageFamilies = [
        "aws_workspaces_images", "aws_workspaces_image_errors", "aws_workspaces_images_update_available",
        "aws_workspaces_image_info", "aws_workspaces_image_age_seconds", "aws_workspaces_image_created_timestamp_seconds",
        "aws_workspaces_image_update_available",
    ]

    @Test(arguments: [
        ("throttle", "ThrottlingException"),
        ("server-error", "InternalServerException"),
        ("unavailable", "503"),
        ("reset", "TransportError"),
        ("malformed", "InvalidResponse"),
        ("truncated", "TransportError"),
        ("xml-error", "InvalidClientTokenId"),
        ("repeat-token", "PaginationError"),
        ("endless-token", "PaginationError"),
        ("oversized", "InvalidResponse"),
    ])
    func faultGivesUpZero(fault: String, code: String) async throws {
        let emulator = try await Emulator.start(images: 30, extra: ["--fault", fault])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url, "--workspaces.max-pages", "20"], environment: emulatorCredentials)
        defer { exporter.stop() }

        try await expectDown(exporter, code: code)
        // Still serving after the failure, and still failing the same way.
        try await expectDown(exporter, code: code)
        #expect(exporter.process.isRunning)
    }

    @Test func failingLaterPageNeverReportsPartialCounts() async throws {
        // Page 1 succeeds, page 2 is throttled: nothing from page 1 may leak out.
        let emulator = try await Emulator.start(images: 30, extra: ["--fault", "throttle", "--fault-every", "2"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url, "--workspaces.page-size", "10", "--aws.max-attempts", "1"],
            environment: emulatorCredentials)
        defer { exporter.stop() }
        try await expectDown(exporter, code: "ThrottlingException")
    }

    @Test func connectionRefused() async throws {
        let closedPort = FreePort.next()
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", "http://127.0.0.1:\(closedPort)"], environment: emulatorCredentials)
        defer { exporter.stop() }
        try await expectDown(exporter, code: "TransportError")
    }

    @Test func missingCredentialsAreReportedNotFatal() async throws {
        let emulator = try await Emulator.start(images: 3)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url])
        defer { exporter.stop() }
        // Nothing was asked of the API: the line names what failed instead.
        try await expectDown(exporter, code: "CredentialsError", logged: "getting credentials and account id failed")
        #expect(exporter.log.contains("no credentials found; tried, in order: 1. environment variables"), "\(exporter.log)")
        #expect(!exporter.log.contains("DescribeWorkspaceImages failed"))
        #expect(try await emulator.stats().requests == 0)
    }

    @Test func oneFailingRegionDoesNotHideTheOther() async throws {
        let emulator = try await Emulator.start(images: 12, extra: ["--fault", "server-error", "--fault-region", "eu-west-1"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.region", "eu-west-1", "--aws.endpoint-url", emulator.url], environment: emulatorCredentials)
        defer { exporter.stop() }
        let (_, metrics) = try await exporter.scrape()
        #expect(metrics.value("aws_workspaces_up", ["region": "us-east-1"]) == 1)
        #expect(metrics.value("aws_workspaces_up", ["region": "eu-west-1"]) == 0)
        let info = metrics.series("aws_workspaces_image_info")
        #expect(info.count == 12)
        #expect(info.keys.allSatisfy { $0.labels["region"] == "us-east-1" })
        #expect(metrics.series("aws_workspaces_images").keys.allSatisfy { $0.labels["region"] == "us-east-1" })
        #expect(exporter.log.contains("code=InternalServerException"))
        #expect(exporter.log.contains("region=eu-west-1"))
    }

    @Test func secretsNeverReachTheLog() async throws {
        let emulator = try await Emulator.start(images: 3, extra: ["--fault", "xml-error"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url, "--log.level", "debug"],
            environment: ["AWS_ACCESS_KEY_ID": "AKIDVISIBLE", "AWS_SECRET_ACCESS_KEY": "TOPSECRETVALUE", "AWS_SESSION_TOKEN": "SESSIONTOKENVALUE"])
        defer { exporter.stop() }
        _ = try await exporter.scrape()
        let log = exporter.log
        #expect(!log.contains("TOPSECRETVALUE"))
        #expect(!log.contains("SESSIONTOKENVALUE"))
        #expect(!log.contains("AWS4-HMAC-SHA256"))
    }

    func expectDown(
        _ exporter: Exporter, code: String, logged message: String = "DescribeWorkspaceImages failed", sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let linesBefore = exporter.log.split(separator: "\n").filter { $0.contains(message) }.count
        let (response, metrics) = try await exporter.scrape()
        #expect(response.status == 200, sourceLocation: sourceLocation)
        #expect(metrics.value("aws_workspaces_up", ["region": "us-east-1"]) == 0, sourceLocation: sourceLocation)
        for family in Self.imageFamilies {
            #expect(metrics.series(family).isEmpty, "\(family) must be absent when the collection failed", sourceLocation: sourceLocation)
        }
        #expect(metrics.value("aws_workspaces_exporter_build_info", try await BuiltVersion.read().labels) == 1, sourceLocation: sourceLocation)
        #expect(!metrics.series("aws_workspaces_scrape_duration_seconds").isEmpty, sourceLocation: sourceLocation)
        // Exactly one new log line for this scrape, naming the code.
        let failures = exporter.log.split(separator: "\n").filter { $0.contains(message) }
        #expect(failures.count == linesBefore + 1, "\(exporter.log)", sourceLocation: sourceLocation)
        #expect(failures.last?.contains("code=\(code)") == true, "\(failures.last ?? "no log line")", sourceLocation: sourceLocation)
    }
}

/// The review's findings on failures, each with the test that would catch it.
@Suite(.timeLimit(.minutes(2)))
struct FailureDetailTests {
    func lines(_ log: String, _ text: String) -> [Substring] {
        log.split(separator: "\n").filter { $0.contains(text) }
    }

    @Test func aStalledAPIWithoutTheTimeoutHeaderLogsOneLine() async throws {
        let emulator = try await Emulator.start(images: 3, extra: ["--fault", "stall"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--collector.timeout", "1s", "--no-collector.bundles"], environment: emulator.environment)
        defer { exporter.stop() }
        for scrape in 1...2 {
            let (_, metrics) = try await exporter.scrape()
            #expect(metrics.value("aws_workspaces_up") == 0)
            // The collection logs as it ends, at the instant the scrape answers: give the line a moment.
            for _ in 0..<40 where lines(exporter.log, "level=error").count < scrape { try await Task.sleep(for: .milliseconds(50)) }
            let failures = lines(exporter.log, "level=error")
            #expect(failures.count == scrape, "one line per failed collection: \(failures)")
            #expect(failures.last?.contains("--collector.timeout") == true)
        }
    }

    @Test func requestsCutByTheDeadlineCountAsCancelledNotTransportErrors() async throws {
        let emulator = try await Emulator.start(images: 3, extra: ["--latency-ms", "5000"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--no-collector.bundles", "--collector.timeout", "1s"], environment: emulator.environment)
        defer { exporter.stop() }
        // The collection's own deadline (1 s) ends the request the API answers after 5 s.
        _ = try await exporter.scrape()
        // The next scrape reports the counters of the one before.
        let (_, metrics) = try await exporter.scrape()
        let codes = Set(metrics.series("aws_workspaces_api_requests_total").keys.compactMap { $0.labels["code"] })
        #expect(codes.contains("Cancelled"), "\(codes)")
        #expect(!codes.contains("TransportError"))
        #expect(metrics.value("aws_workspaces_api_retries_total") == nil, "a cancelled request is not retried")
    }

    @Test func repeatedImageIdsAreCountedOnceAndLoggedOnce() async throws {
        let emulator = try await Emulator.start(images: 20, extra: ["--duplicate-images", "3"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--no-collector.bundles"], environment: emulator.environment)
        defer { exporter.stop() }
        for _ in 0..<2 {
            let (_, metrics) = try await exporter.scrape()
            #expect(metrics.series("aws_workspaces_image_info").count == 20)
            #expect(metrics.series("aws_workspaces_images").values.reduce(0, +) == 20, "the aggregates count each id once")
        }
        #expect(lines(exporter.log, "level=warn").filter { $0.contains("same ImageId") }.count == 1)
    }

    @Test func maxPagesCountsEveryChainOfOneCollection() async throws {
        let emulator = try await Emulator.start(images: 40)
        defer { emulator.stop() }
        let ids = SeedImagesIDs.first(30)
        // 30 ids: two chains (25 + 5) of one page per image; 30 pages in all.
        let limited = try await Exporter.start(
            ["--aws.region", "us-east-1", "--no-collector.bundles", "--workspaces.page-size", "1", "--workspaces.max-pages", "26"]
                + ids.flatMap { ["--workspaces.image-id", $0] }, environment: emulator.environment)
        defer { limited.stop() }
        #expect(try await limited.scrape().1.value("aws_workspaces_up") == 0)
        #expect(limited.log.contains("code=PaginationError") && limited.log.contains("in one collection"))
        let enough = try await Exporter.start(
            ["--aws.region", "us-east-1", "--no-collector.bundles", "--workspaces.page-size", "1", "--workspaces.max-pages", "30"]
                + ids.flatMap { ["--workspaces.image-id", $0] }, environment: emulator.environment)
        defer { enough.stop() }
        let (_, metrics) = try await enough.scrape()
        #expect(metrics.value("aws_workspaces_up") == 1 && metrics.series("aws_workspaces_image_info").count == 30)
    }

    @Test func aSkewedClockIsCorrectedFromAWSsDate() async throws {
        // The emulator's clock is an hour ahead: every signature is "expired" until corrected.
        let emulator = try await Emulator.start(images: 5, extra: ["--clock-offset", "3600"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1"], environment: emulator.environment)
        defer { exporter.stop() }
        let (_, metrics) = try await exporter.scrape()
        #expect(metrics.value("aws_workspaces_up") == 1, "\(exporter.log)")
        #expect(metrics.value("aws_workspaces_collector_success", ["collector": "bundles"]) == 1)
        #expect(lines(exporter.log, "corrected the clock offset").count == 1)
        // AWS's Date has whole seconds, and a loaded machine may take one more between the two clocks.
        let offset = exporter.log.split(separator: " ").first { $0.hasPrefix("offset_seconds=") }.flatMap { Double($0.dropFirst("offset_seconds=".count)) }
        #expect(offset.map { abs($0 - 3600) <= 2 } == true, "\(exporter.log)")
    }

    /// Issue 20: an error answer with a skew code and a `Date` whose year has
    /// twelve digits made the date arithmetic overflow, and the process died
    /// (SIGILL) on the first scrape. Now it is not a date: up 0, and alive.
    @Test func aDateHeaderFarOutOfRangeIsNotADate() async throws {
        let (server, port) = try await RawHTTPServer.start("skewed-date")
        defer { server.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", "http://127.0.0.1:\(port)", "--no-collector.bundles"],
            environment: ["AWS_ACCESS_KEY_ID": "AKIDSKEW", "AWS_SECRET_ACCESS_KEY": "secret"])
        defer { exporter.stop() }
        for _ in 0..<2 {
            let (response, metrics) = try await exporter.scrape()
            #expect(response.status == 200)
            #expect(metrics.value("aws_workspaces_up") == 0, "\(exporter.log)")
        }
        #expect(exporter.process.isRunning, "\(exporter.log)")
        #expect(exporter.log.contains("InvalidSignatureException"))
        #expect(!exporter.log.contains("corrected the clock offset"), "an unreadable Date teaches nothing")
    }

    @Test func anInvalidMaxAttemptsIsRefusedAtStartUp() async throws {
        let exporter = try ChildProcess(
            PackagePaths.binary("workspaces_exporter").path, ["--web.listen-address", "127.0.0.1:\(FreePort.next())", "--aws.region", "us-east-1"],
            environment: ["AWS_MAX_ATTEMPTS": "three", "AWS_EC2_METADATA_DISABLED": "true", "PATH": "/usr/bin:/bin"])
        #expect(await exporter.waitForExit(timeout: .seconds(10)) == 1)
        #expect(exporter.stderr.contains("AWS_MAX_ATTEMPTS") && exporter.stderr.contains("three"))
    }

    @Test func aMalformedContainerURIFailsTheCollectionNotStartUp() async throws {
        let emulator = try await Emulator.start(images: 3)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(
            ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url],
            environment: ["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.evil.example/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN": "secret-token"])
        defer { exporter.stop() }
        #expect(try await exporter.scrape().1.value("aws_workspaces_up") == 0)
        #expect(exporter.log.contains("code=CredentialsError") && exporter.log.contains("127.evil.example"))
        #expect(!exporter.log.contains("secret-token"))
    }

    @Test func libmicrohttpdSaysWhyItCannotStart() async throws {
        // With almost no descriptors left, MHD itself fails (its epoll or
        // thread channel), and start-up says why in MHD's words.
        var reasons: [String] = []
        for limit in 9...24 {
            let exporter = try ChildProcess("/bin/sh", ["-c", "ulimit -n \(limit) && exec \(PackagePaths.binary("workspaces_exporter").path) --web.listen-address 127.0.0.1:\(FreePort.next()) --aws.region us-east-1 --aws.account-id 123456789012"],
                                            environment: ["AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"])
            let status = await exporter.waitForExit(timeout: .seconds(2))
            exporter.stop()
            if status != nil, let line = exporter.stderr.split(separator: "\n").first(where: { $0.contains("libmicrohttpd could not start") }) {
                reasons.append(String(line))
            }
        }
        #expect(!reasons.isEmpty, "no descriptor limit made libmicrohttpd fail")
        #expect(reasons.allSatisfy { $0.contains("Too many open files") && !$0.contains("no reason given") }, "\(reasons)")
    }

    @Test func libmicrohttpdMessagesReachTheLogAtDebug() async throws {
        let emulator = try await Emulator.start(images: 3)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--log.level", "debug"], environment: emulator.environment)
        defer { exporter.stop() }
        let port = exporter.port
        _ = try await blocking { () -> Bool in
            guard let connection = RawConnection(port: port) else { return false }
            connection.send(Array("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 60_000))\r\n\r\n".utf8))
            return connection.readAll(limit: 4096).closed
        }
        for _ in 0..<50 where !exporter.log.contains("msg=libmicrohttpd") { try await Task.sleep(for: .milliseconds(20)) }
        #expect(exporter.log.contains("msg=libmicrohttpd"), "\(exporter.log)")
    }
}

/// The seed's image ids, for tests that name images.
enum SeedImagesIDs {
    static func first(_ count: Int) -> [String] {
        WorkSpacesEmulator.SeedImages.images(count: count).compactMap(\.imageId)
    }
}
