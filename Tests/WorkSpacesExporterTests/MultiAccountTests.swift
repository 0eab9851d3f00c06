import Foundation
import TestSupport
import Testing
import WorkSpacesEmulator

/// Several accounts and regions from one exporter, configured in a file: the
/// emulator knows the accounts (keys, signatures, AssumeRole,
/// GetCallerIdentity); moto is the independent check of AssumeRole into
/// another account.
@Suite(.timeLimit(.minutes(3)))
struct MultiAccountTests {
    static let member = "111111111111"
    static let other = "222222222222"

    func file(_ text: String) throws -> String {
        let url = try PackagePaths.temporaryDirectory("config").appendingPathComponent("exporter.yml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static let threeTargets = """
    targets:
      - regions: [us-east-1, eu-west-1]        # the exporter's own identity: account learned from STS
      - role_arn: arn:aws:iam::\(member):role/workspaces-reader
        external_id: example-external-id
        session_name: workspaces-exporter
        regions: [eu-west-1]
    """

    @Test func everyFamilyPerAccountAndRegionMatchesTheEmulator() async throws {
        // The member's role trusts the exporter only with the external id.
        let emulator = try await Emulator.start(images: 12, extra: [
            "--workspaces", "10", "--account", "\(Self.member):7:5",
            "--external-id", "arn:aws:iam::\(Self.member):role/workspaces-reader=example-external-id",
        ])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--config.file", try file(Self.threeTargets), "--collector.workspaces"], environment: emulator.environment)
        defer { exporter.stop() }
        let (_, metrics) = try await exporter.scrape()

        let own = SeedImages.ownerAccountId
        let truth: [(account: String, region: String, images: [EmulatedImage], workspaces: Int)] = [
            (own, "us-east-1", SeedImages.images(count: 12), 10),
            (own, "eu-west-1", SeedImages.images(count: 12), 10),
            (Self.member, "eu-west-1", SeedImages.images(count: 7, account: Self.member, region: "eu-west-1"), 5),
        ]
        #expect(metrics.series("aws_workspaces_up").count == 3)
        for (account, region, images, workspaceCount) in truth {
            let target = ["account_id": account, "region": region]
            func labels(_ extra: [String: String]) -> [String: String] { target.merging(extra) { $1 } }
            #expect(metrics.value("aws_workspaces_up", target) == 1, "\(target): \(exporter.log)")
            for collector in ["images", "bundles", "workspaces"] {
                #expect(metrics.value("aws_workspaces_collector_success", labels(["collector": collector])) == 1, "\(target) \(collector)")
            }
            let info = metrics.series("aws_workspaces_image_info").keys.filter { $0.labels["account_id"] == account && $0.labels["region"] == region }
            #expect(Set(info.compactMap { $0.labels["image_id"] }) == Set(images.compactMap(\.imageId)), "\(target)")
            let counted = metrics.series("aws_workspaces_images").filter { $0.key.labels["account_id"] == account && $0.key.labels["region"] == region }
            #expect(counted.values.reduce(0, +) == Double(images.count))
            let bundles = SeedBundles.bundles(for: images, account: account, region: region)
            let bundleInfo = metrics.series("aws_workspaces_bundle_info").keys.filter { $0.labels["account_id"] == account && $0.labels["region"] == region }
            #expect(Set(bundleInfo.compactMap { $0.labels["bundle_id"] }) == Set(bundles.map(\.bundleId)))
            for image in images.compactMap(\.imageId) {
                let expectedBundles = bundles.filter { $0.imageId == image }.count
                #expect(metrics.value("aws_workspaces_image_bundles", labels(["image_id": image])) == Double(expectedBundles), "\(target) \(image)")
            }
            let workspaces = SeedBundles.workspaces(count: workspaceCount, bundles: bundles, account: account, region: region)
            let counts = metrics.series("aws_workspaces_workspaces").filter { $0.key.labels["account_id"] == account && $0.key.labels["region"] == region }
            #expect(counts.values.reduce(0, +) == Double(workspaces.count))
            // Every per-target family and the API metrics carry the account.
            #expect((metrics.value("aws_workspaces_api_requests_total", labels(["operation": "DescribeWorkspaceImages", "code": "200"])) ?? 0) >= 1)
        }
        // The base identity's account was asked once, then kept.
        _ = try await exporter.scrape()
        #expect(try await emulator.stats().count("GetCallerIdentity") == 1)
        #expect(try await emulator.stats().count("AssumeRole") == 1, "the role's credentials are cached")
    }

    @Test func oneRefusedRoleLeavesTheOthersUp() async throws {
        let denied = "arn:aws:iam::\(Self.other):role/workspaces-reader"
        let emulator = try await Emulator.start(images: 5, extra: ["--account", "\(Self.member):3:0", "--account", "\(Self.other):3:0", "--deny-role", denied])
        defer { emulator.stop() }
        let config = try file("""
        targets:
          - account_id: "\(SeedImages.ownerAccountId)"
            regions: [us-east-1]
          - role_arn: arn:aws:iam::\(Self.member):role/workspaces-reader
            regions: [us-east-1]
          - role_arn: \(denied)
            regions: [us-east-1]
        """)
        let exporter = try await Exporter.start(["--config.file", config], environment: emulator.environment)
        defer { exporter.stop() }
        let (_, metrics) = try await exporter.scrape()
        #expect(metrics.value("aws_workspaces_up", ["account_id": SeedImages.ownerAccountId]) == 1)
        #expect(metrics.value("aws_workspaces_up", ["account_id": Self.member]) == 1)
        #expect(metrics.value("aws_workspaces_up", ["account_id": Self.other]) == 0)
        let lines = exporter.log.split(separator: "\n").filter { $0.contains("level=error") }
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.first?.contains(denied) == true && lines.first?.contains("AccessDenied") == true)
        #expect(try await emulator.stats().count("GetCallerIdentity") == 0, "account_id given: no lookup")
    }

    @Test func theExternalIdIsSentAndAWrongOneIsRefused() async throws {
        let role = "arn:aws:iam::\(Self.member):role/workspaces-reader"
        let emulator = try await Emulator.start(images: 3, extra: ["--account", "\(Self.member):3:0", "--external-id", "\(role)=the-right-id"])
        defer { emulator.stop() }
        for (externalId, up) in [("the-right-id", 1.0), ("a-wrong-id", 0.0)] {
            let config = try file("targets:\n  - role_arn: \(role)\n    external_id: \(externalId)\n    regions: [us-east-1]\n")
            let exporter = try await Exporter.start(["--config.file", config], environment: emulator.environment)
            let (_, metrics) = try await exporter.scrape()
            #expect(metrics.value("aws_workspaces_up", ["account_id": Self.member]) == up, "\(externalId): \(exporter.log)")
            if up == 0 { #expect(exporter.log.contains("STS refused: AccessDenied")) }
            exporter.stop()
        }
    }

    @Test func anAccountThatCannotBeLearnedSaysHowToSetIt() async throws {
        let emulator = try await Emulator.start(images: 3)
        defer { emulator.stop() }
        let closed = FreePort.next()
        let exporter = try await Exporter.start(
            ["--config.file", try file("targets:\n  - regions: [us-east-1]\n")],
            environment: emulator.environment.merging(["AWS_ENDPOINT_URL_STS": "http://127.0.0.1:\(closed)"]) { $1 })
        defer { exporter.stop() }
        let (_, metrics) = try await exporter.scrape()
        #expect(metrics.value("aws_workspaces_up", ["account_id": "unknown", "region": "us-east-1"]) == 0)
        #expect(exporter.log.contains("set account_id"), "\(exporter.log)")
    }

    @Test func reloadKeepsTheRunningTargetsWhenTheFileIsBroken() async throws {
        let emulator = try await Emulator.start(images: 4, extra: ["--account", "\(Self.member):3:0"])
        defer { emulator.stop() }
        let path = try file(Self.threeTargets)
        let exporter = try await Exporter.start(["--config.file", path, "--web.enable-lifecycle"], environment: emulator.environment)
        defer { exporter.stop() }
        #expect(try await exporter.scrape().1.series("aws_workspaces_up").count == 3)

        // Broken: SIGHUP keeps the three targets and says why.
        try "targets:\n  - regions: []\n".write(toFile: path, atomically: true, encoding: .utf8)
        kill(exporter.process.pid, SIGHUP)
        for _ in 0..<100 where !exporter.log.contains("reloading the configuration failed") { try await Task.sleep(for: .milliseconds(20)) }
        var metrics = try await exporter.scrape().1
        #expect(metrics.series("aws_workspaces_up").count == 3)
        #expect(metrics.value("aws_workspaces_config_last_reload_successful") == 0)
        #expect(exporter.log.contains("line 2"), "the log names the line: \(exporter.log)")
        let before = try #require(metrics.value("aws_workspaces_config_last_reload_success_timestamp_seconds"))

        // Valid, with the role's target removed: POST /-/reload applies it.
        try "targets:\n  - regions: [us-east-1, eu-west-1]\n".write(toFile: path, atomically: true, encoding: .utf8)
        let reload = try await HTTPFetch.fetch(exporter.url + "/-/reload", method: .POST)
        #expect(reload.status == 200)
        metrics = try await exporter.scrape().1
        #expect(metrics.value("aws_workspaces_config_last_reload_successful") == 1)
        #expect((metrics.value("aws_workspaces_config_last_reload_success_timestamp_seconds") ?? 0) > before)
        #expect(metrics.series("aws_workspaces_up").count == 2)
        #expect(!metrics.values.keys.contains { $0.labels["account_id"] == Self.member }, "the removed target's series, API counters included, are gone")
    }

    @Test func theReloadEndpointNeedsTheLifecycleFlag() async throws {
        let emulator = try await Emulator.start(images: 2)
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--config.file", try file("targets:\n  - regions: [us-east-1]\n")], environment: emulator.environment)
        defer { exporter.stop() }
        #expect(try await HTTPFetch.fetch(exporter.url + "/-/reload", method: .POST).status == 403)
    }

    @Test(arguments: [
        ("targets:\n  - regions: [us-east-1]\n    role: x\n", 3, "unknown key \"role\""),
        ("targets:\n  - role_arn: arn:aws:iam::111111111111:user/bob\n    regions: [us-east-1]\n", 2, "not an IAM role ARN"),
        ("targets:\n  - regions: []\n", 2, "non-empty regions"),
        ("targets:\n  - regions: [us-east-1]\n    account_id: \"111111111111\"\n  - role_arn: arn:aws:iam::111111111111:role/r\n    regions: [us-east-1]\n", 4, "configured twice"),
        ("targets:\n  - regions: [us-east-1, us-east-1]\n", 2, "listed twice"),
        ("targets:\n  - regions: [mars-1]\n", 2, "not an AWS region"),
        ("target:\n  - regions: [us-east-1]\n", 1, "unknown key \"target\""),
        ("targets:\n  - regions: [us-east-1\n", 3, "not valid YAML"),
        ("targets:\n  - regions: [us-east-1]\n    account_id: 12345\n", 3, "12 digits"),
        ("organizations:\n  - regions: [us-east-1]\n", 2, "needs role_name"),
        ("organizations:\n  - role_name: r\n", 2, "non-empty regions"),
        ("organizations:\n  - role_name: \"a b\"\n    regions: [us-east-1]\n", 2, "IAM role name"),
        ("organizations:\n  - role_name: r\n    regions: [us-east-1]\n    exclude_accounts: [123]\n", 4, "12-digit account ids"),
        ("organizations:\n  - role_name: r\n    regions: [us-east-1]\n    organizational_units: [\"ou x\"]\n", 4, "unit ids"),
        ("organizations:\n  - role_name: r\n    regions: [us-east-1]\n    refresh_interval: 0s\n", 4, "refresh_interval"),
        ("organizations:\n  - role_name: r\n    regions: [us-east-1]\n    tags: []\n", 4, "tags must be"),
        ("organizations:\n  - role_name: r\n    regions: [us-east-1]\n    accounts: []\n", 4, "unknown key \"accounts\" in an organizations entry"),
        ("organizations:\n  - role_name: r\n    regions: [us-east-1]\n    include_accounts: [\"111111111111\"]\n    exclude_accounts: [\"111111111111\"]\n", 2, "both included and excluded"),
        ("organizations: []\n", 1, "non-empty list"),
        ("{}\n", 1, "needs a targets or an organizations list"),
    ] as [(String, Int, String)])
    func configCheckNamesFileLineAndProblem(yaml: String, line: Int, problem: String) async throws {
        let path = try file(yaml)
        let result = try await runCommand(PackagePaths.binary("workspaces_exporter").path, ["--config.file", path, "--config.check"])
        #expect(result.status == 1)
        #expect(result.output.contains("config file \(path), line \(line): "), "\(result.output)")
        #expect(result.output.contains(problem), "\(result.output)")
        // Start-up refuses it the same way.
        let start = try await runCommand(PackagePaths.binary("workspaces_exporter").path, ["--config.file", path, "--web.listen-address", "127.0.0.1:\(FreePort.next())"])
        #expect(start.status == 1 && start.output.contains("line \(line)") && start.output.contains("cannot start"))
    }

    @Test func configCheckPassesAValidFile() async throws {
        let result = try await runCommand(PackagePaths.binary("workspaces_exporter").path, ["--config.file", try file(Self.threeTargets), "--config.check"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("3 targets"))
        let organization = try file(Self.threeTargets + """

        organizations:
          - role_name: path/WorkSpacesReader
            regions: [eu-west-1]
            role_arn: arn:aws:iam::111111111111:role/organizations-reader
            external_id: x
            session_name: exporter
            include_accounts: ["222222222222"]
            exclude_accounts: ["333333333333"]
            organizational_units: [ou-ab12-cdefgh12, r-ab12]
            tags: {workspaces: "true", cost-centre: ""}
            refresh_interval: 1h30m
            image_type: OWNED
            image_ids: [wsi-0123456789]
        """)
        let both = try await runCommand(PackagePaths.binary("workspaces_exporter").path, ["--config.file", organization, "--config.check"])
        #expect(both.status == 0, "\(both.output)")
        #expect(both.output.contains("3 targets") && both.output.contains("1 organizations entry"), "\(both.output)")
    }

    @Test func aFileWithTargetFlagsIsRefusedNamingThem() async throws {
        let result = try await runCommand(
            PackagePaths.binary("workspaces_exporter").path,
            ["--config.file", try file(Self.threeTargets), "--aws.region", "us-east-1", "--aws.role-arn", "arn:aws:iam::111111111111:role/r"])
        #expect(result.status != 0)
        #expect(result.output.contains("--aws.region") && result.output.contains("--aws.role-arn"), "\(result.output)")
    }

    /// moto follows AssumeRole into another account: the independent check
    /// that the exporter's role credentials reach the member account's images.
    @Test func motoFollowsAssumeRoleIntoAnotherAccount() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let python = try #require(PackagePaths.which("python3"))
        let seed = PackagePaths.root.appendingPathComponent("Tests/Fixtures/seed_moto_accounts.py").path
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        let seeded = try await runCommand(python, [seed, moto.url, "123456789012:us-east-1:3", "\(Self.other):eu-west-1:2"], environment: environment)
        #expect(seeded.status == 0, "\(seeded.output)")
        let truth = try #require(try JSONSerialization.jsonObject(with: Data((seeded.output.split(separator: "\n").last ?? "").utf8)) as? [String: [String]])
        let config = try file("""
        targets:
          - regions: [us-east-1]
          - role_arn: arn:aws:iam::\(Self.other):role/workspaces-reader
            external_id: ext-1
            regions: [eu-west-1]
        """)
        // moto does not implement DescribeWorkspaceBundles (it answers 500); DescribeWorkspaces it does.
        let exporter = try await Exporter.start(
            ["--config.file", config, "--no-collector.bundles", "--collector.workspaces"],
            environment: ["AWS_ACCESS_KEY_ID": "AKIDMOTO", "AWS_SECRET_ACCESS_KEY": "moto", "AWS_ENDPOINT_URL": moto.url])
        defer { exporter.stop() }
        let (_, metrics) = try await exporter.scrape()
        for (key, ids) in truth {
            let parts = key.split(separator: ":").map(String.init)
            let target = ["account_id": parts[0], "region": parts[1]]
            #expect(metrics.value("aws_workspaces_up", target) == 1, "\(target): \(exporter.log)")
            let info = metrics.series("aws_workspaces_image_info").keys.filter { $0.labels["account_id"] == parts[0] && $0.labels["region"] == parts[1] }
            #expect(Set(info.compactMap { $0.labels["image_id"] }) == Set(ids))
            // Each seeded account has one WorkSpace (the image builder), on moto's bundle.
            #expect(metrics.value("aws_workspaces_workspaces", target.merging(["bundle_id": "wsb-12345678"]) { $1 }) == 1, "\(target)")
        }
    }
}
