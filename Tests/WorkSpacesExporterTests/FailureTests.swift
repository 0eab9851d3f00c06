import Foundation
import TestSupport
import Testing

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
        try await expectDown(exporter, code: "CredentialsError")
        #expect(exporter.log.contains("no credentials found; tried environment"))
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

    func expectDown(_ exporter: Exporter, code: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let linesBefore = exporter.log.split(separator: "\n").filter { $0.contains("DescribeWorkspaceImages failed") }.count
        let (response, metrics) = try await exporter.scrape()
        #expect(response.status == 200, sourceLocation: sourceLocation)
        #expect(metrics.value("aws_workspaces_up", ["region": "us-east-1"]) == 0, sourceLocation: sourceLocation)
        for family in Self.imageFamilies {
            #expect(metrics.series(family).isEmpty, "\(family) must be absent when the collection failed", sourceLocation: sourceLocation)
        }
        #expect(metrics.value("aws_workspaces_exporter_build_info", try await BuiltVersion.read().labels) == 1, sourceLocation: sourceLocation)
        #expect(!metrics.series("aws_workspaces_scrape_duration_seconds").isEmpty, sourceLocation: sourceLocation)
        // Exactly one new log line for this scrape, naming the code.
        let failures = exporter.log.split(separator: "\n").filter { $0.contains("DescribeWorkspaceImages failed") }
        #expect(failures.count == linesBefore + 1, "\(exporter.log)", sourceLocation: sourceLocation)
        #expect(failures.last?.contains("code=\(code)") == true, "\(failures.last ?? "no log line")", sourceLocation: sourceLocation)
    }
}
