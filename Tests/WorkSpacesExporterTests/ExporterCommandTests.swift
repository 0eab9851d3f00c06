import Testing
@testable import WorkSpacesExporter

@Suite struct ExporterCommandTests {
    @Test func defaultsFollowPrometheusConventions() throws {
        let command = try ExporterCommand.parse([])
        #expect(command.listenAddress == ":10027")
        #expect(command.telemetryPath == "/metrics")
        #expect(command.pageSize == 25)
        #expect(command.logFormat == .logfmt)
    }

    @Test func repeatableFlagsAndEqualsSyntax() throws {
        let command = try ExporterCommand.parse([
            "--aws.region=us-east-1", "--aws.region", "eu-west-1", "--workspaces.image-id", "wsi-1", "--workspaces.image-id=wsi-2",
            "--workspaces.image-type", "SHARED", "--log.level", "debug", "--log.format", "json",
        ])
        #expect(command.regions == ["us-east-1", "eu-west-1"])
        #expect(command.imageIds == ["wsi-1", "wsi-2"])
        #expect(command.imageType == .SHARED)
        #expect(command.logLevel == .debug)
        #expect(command.logFormat == .json)
    }

    @Test(arguments: [
        ["--workspaces.page-size", "0"], ["--workspaces.page-size", "26"], ["--web.telemetry-path", "metrics"],
        ["--web.telemetry-path", "/"], ["--web.listen-address", "nope"], ["--workspaces.image-type", "BOTH"],
        ["--log.format", "xml"], ["--aws.max-attempts", "0"], ["--collector.timeout", "0"], ["--aws.external-id", "x"],
    ])
    func rejectsBadFlags(arguments: [String]) {
        #expect(throws: (any Error).self) { try ExporterCommand.parse(arguments) }
    }
}
