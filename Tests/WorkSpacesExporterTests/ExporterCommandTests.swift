import Testing
@testable import WorkSpacesExporter

@Suite struct ExporterCommandTests {
    @Test func defaultsFollowPrometheusConventions() throws {
        let command = try ExporterCommand.parse([])
        #expect(command.listenAddresses == [":10027"])
        #expect(command.bundlesCollector && !command.workspacesCollector)
        #expect(command.enabledCollectors == [.images, .bundles])
        #expect(command.maxConcurrency == 10)
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

    @Test func listenAddressesRepeatAndReplaceTheDefault() throws {
        let command = try ExporterCommand.parse(["--web.listen-address", "127.0.0.1:1", "--web.listen-address", "[::1]:1"])
        #expect(command.listenAddresses == ["127.0.0.1:1", "[::1]:1"])
    }

    @Test func collectorsTurnOnAndOffInNodeExportersStyle() throws {
        let command = try ExporterCommand.parse(["--no-collector.bundles", "--collector.workspaces"])
        #expect(command.enabledCollectors == [.images, .workspaces])
    }

    @Test(arguments: [
        ("500ms", 0.5), ("30s", 30), ("5m", 300), ("1h30m", 5400), ("2d", 172_800), ("1w", 604_800), ("1y", 31_536_000),
        ("0", 0), ("30", 30), ("0.25", 0.25), ("1m30s", 90), ("0s", 0),
    ] as [(String, Double)])
    func durationsAsPeopleTypeThem(text: String, seconds: Double) throws {
        #expect(DurationValue(argument: text)?.seconds == seconds)
        // On the command line too, where the flag allows the value.
        if seconds <= 86_400 {
            let command = try ExporterCommand.parse(["--collector.min-interval", text])
            #expect(command.minInterval.seconds == seconds)
        }
    }

    @Test(arguments: ["5 m", "m5", "5x", "1s1m", "-5s", "", "1.5m", "5mm"])
    func malformedDurationsAreRefused(text: String) {
        #expect(DurationValue(argument: text) == nil)
        #expect(throws: (any Error).self) { try ExporterCommand.parse(["--collector.timeout", text]) }
    }

    @Test func durationsPrintInPrometheusForm() {
        #expect(DurationValue.format(.seconds(90)) == "1m30s")
        #expect(DurationValue.format(.milliseconds(500)) == "500ms")
        #expect(DurationValue.format(.zero) == "0s")
    }

    @Test func aConfigFileExcludesTheTargetFlagsNamingThem() {
        #expect { try ExporterCommand.parse(["--config.file", "/x.yml", "--aws.region", "eu-west-1", "--workspaces.image-id", "wsi-1"]) } throws: { error in
            let text = ExporterCommand.message(for: error)
            return text.contains("--aws.region") && text.contains("--workspaces.image-id")
        }
    }

    @Test(arguments: [
        ["--workspaces.page-size", "0"], ["--workspaces.page-size", "26"], ["--web.telemetry-path", "metrics"],
        ["--web.telemetry-path", "/"], ["--web.listen-address", "nope"], ["--workspaces.image-type", "BOTH"],
        ["--log.format", "xml"], ["--aws.max-attempts", "0"], ["--collector.timeout", "0"], ["--aws.external-id", "x"],
        ["--aws.role-arn", "arn:aws:iam::123:user/x"], ["--aws.account-id", "12"], ["--config.check"],
        ["--collector.max-concurrency", "0"], ["--web.telemetry-path", "/-/metrics"],
    ])
    func rejectsBadFlags(arguments: [String]) {
        #expect(throws: (any Error).self) { try ExporterCommand.parse(arguments) }
    }
}
