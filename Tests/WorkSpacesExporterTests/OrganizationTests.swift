import Foundation
import TestSupport
import Testing
import WorkSpacesEmulator

/// Accounts discovered from AWS Organizations, `/sd` and `/probe`: against
/// moto (an independent Organizations, STS and WorkSpaces) and the emulator.
@Suite(.timeLimit(.minutes(4)))
struct OrganizationTests {
    struct Seeded: Decodable {
        let members: [String: String]
        let ou: String
        let root: String
        let images: [String: [String]]
    }

    struct Added: Decodable {
        let id: String
        let images: [String]
    }

    static let region = "eu-west-1"
    static let seeder = PackagePaths.root.appendingPathComponent("Tests/Fixtures/seed_moto_organization.py").path

    func file(_ text: String) throws -> String {
        let url = try PackagePaths.temporaryDirectory("config").appendingPathComponent("exporter.yml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func seed(_ moto: MotoServer, _ arguments: [String]) async throws -> String {
        let python = try #require(PackagePaths.which("python3"))
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        let result = try await runCommand(python, [Self.seeder, moto.url] + arguments, environment: environment)
        #expect(result.status == 0, "seeding moto failed: \(result.output)")
        return String(result.output.split(separator: "\n").last ?? "")
    }

    static func motoEnvironment(_ moto: MotoServer) -> [String: String] {
        ["AWS_ACCESS_KEY_ID": "AKIDMOTO", "AWS_SECRET_ACCESS_KEY": "moto", "AWS_ENDPOINT_URL": moto.url]
    }

    /// `/sd` as (target, labels) pairs.
    static func discovered(_ exporter: Exporter) async throws -> [String: [String: String]] {
        let response = try await HTTPFetch.fetch(exporter.url + "/sd")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]])
        var result: [String: [String: String]] = [:]
        for entry in entries {
            let targets = try #require(entry["targets"] as? [String])
            #expect(targets.count == 1)
            result[targets[0]] = entry["labels"] as? [String: String] ?? [:]
        }
        return result
    }

    /// Waits until `/sd` satisfies `condition` (discovery runs in the background).
    static func waitForTargets(_ exporter: Exporter, timeout: Duration = .seconds(30), _ condition: ([String: [String: String]]) -> Bool) async throws -> [String: [String: String]] {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var last: [String: [String: String]] = [:]
        while ContinuousClock.now < deadline {
            // 503 until the first listing: keep waiting.
            if try await HTTPFetch.fetch(exporter.url + "/sd").status == 503 {
                try await Task.sleep(for: .milliseconds(100))
                continue
            }
            last = try await discovered(exporter)
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        return last
    }

    @Test func motoOrganizationIsDiscoveredFilteredAndProbed() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let seeded = try JSONDecoder().decode(Seeded.self, from: Data(try await seed(moto, ["create", Self.region]).utf8))
        let members = seeded.members
        // prod's first image is shared with dev (inside) and two accounts outside the organisation.
        let sharedImage = try #require(seeded.images[members["prod"]!]?.first)
        _ = try await seed(moto, ["share", Self.region, members["prod"]!, sharedImage, members["dev"]!, "999999999999", "888888888888"])
        // Tags keep prod, dev, sandbox and closed; sandbox is excluded and
        // closed is SUSPENDED; untagged and the management account have no tag.
        let config = try file("""
        organizations:
          - role_name: OrganizationAccountAccessRole
            regions: [\(Self.region)]
            exclude_accounts: ["\(members["sandbox"]!)"]
            tags: {workspaces: "true"}
            refresh_interval: 1s
        """)
        let exporter = try await Exporter.start(
            ["--config.file", config, "--no-collector.bundles", "--no-web.metrics-targets", "--collector.image-permissions"],
            environment: Self.motoEnvironment(moto))
        defer { exporter.stop() }
        let wanted = Set([members["prod"]!, members["dev"]!].map { "\($0)/\(Self.region)" })
        let targets = try await Self.waitForTargets(exporter) { Set($0.keys) == wanted }
        #expect(Set(targets.keys) == wanted, "\(targets) \(exporter.log)")
        for (name, account) in members where ["prod", "dev"].contains(name) {
            let labels = try #require(targets["\(account)/\(Self.region)"])
            #expect(labels == ["__meta_workspaces_account_id": account, "__meta_workspaces_region": Self.region, "__meta_workspaces_account_name": name])
            // Each target answers its own scrape through the member role, as moto's AssumeRole maps it.
            let (response, metrics) = try await exporter.scrape(path: "/probe?target=\(account)/\(Self.region)")
            #expect(response.status == 200)
            #expect(metrics.value("aws_workspaces_up", ["account_id": account, "region": Self.region]) == 1, "\(name): \(exporter.log)")
            let ids = metrics.series("aws_workspaces_image_info").keys.compactMap { $0.labels["image_id"] }
            #expect(Set(ids) == Set(seeded.images[account] ?? []), "\(name)")
            #expect(metrics.value("aws_workspaces_account_info", ["account_id": account, "account_name": name]) == 1)
            #expect(Set(metrics.values.keys.compactMap { $0.labels["account_id"] }) == [account], "a probe answers its target only")
            #expect(metrics.series("aws_workspaces_exporter_build_info").isEmpty, "the exporter's own series stay on /metrics")
            // Image permissions, judged against the whole organisation as ListAccounts gave it.
            #expect(metrics.value("aws_workspaces_collector_success", ["collector": "image_permissions"]) == 1, "\(name): \(exporter.log)")
            for image in seeded.images[account] ?? [] {
                let expected: (shared: Double, outside: Double) = image == sharedImage ? (3, 2) : (0, 0)
                #expect(metrics.value("aws_workspaces_image_shared_accounts", ["image_id": image]) == expected.shared, "\(image)")
                #expect(metrics.value("aws_workspaces_image_shared_outside_organization_accounts", ["image_id": image]) == expected.outside, "\(image)")
            }
        }
        // Excluded, SUSPENDED, untagged and never-seen accounts cannot be probed; nor can another region.
        for account in [members["sandbox"]!, members["closed"]!, members["untagged"]!, "999999999999"] {
            let response = try await HTTPFetch.fetch(exporter.url + "/probe?target=\(account)/\(Self.region)")
            #expect(response.status == 404, "\(account)")
        }
        #expect(try await HTTPFetch.fetch(exporter.url + "/probe?target=\(members["prod"]!)/us-east-1").status == 404)

        let (_, own) = try await exporter.scrape()
        #expect(own.value("aws_workspaces_discovery_success", ["source": "organizations/0"]) == 1)
        #expect(own.value("aws_workspaces_discovery_accounts", ["source": "organizations/0"]) == 2)
        #expect((own.value("aws_workspaces_discovery_last_success_timestamp_seconds", ["source": "organizations/0"]) ?? 0) > Date().timeIntervalSince1970 - 60)
        #expect(own.series("aws_workspaces_up").isEmpty, "--no-web.metrics-targets: no target on /metrics")
        #expect((own.value("aws_workspaces_api_requests_total", ["operation": "ListAccounts", "code": "200"]) ?? 0) >= 1)
        #expect((own.value("aws_workspaces_api_requests_total", ["operation": "ListTagsForResource", "code": "200"]) ?? 0) >= 4)

        // An account added while running becomes a target at the next refresh.
        let added = try JSONDecoder().decode(Added.self, from: Data(try await seed(moto, ["add", Self.region, "new-team"]).utf8))
        let grown = try await Self.waitForTargets(exporter) { $0["\(added.id)/\(Self.region)"] != nil }
        #expect(grown["\(added.id)/\(Self.region)"]?["__meta_workspaces_account_name"] == "new-team", "\(exporter.log)")
        let (_, newMetrics) = try await exporter.scrape(path: "/probe?target=\(added.id)/\(Self.region)")
        #expect(newMetrics.value("aws_workspaces_up", ["account_id": added.id]) == 1)
        #expect(Set(newMetrics.series("aws_workspaces_image_info").keys.compactMap { $0.labels["image_id"] }) == Set(added.images))

        // An account closed while running (SUSPENDED) stops being a target and is not probed any more.
        _ = try await seed(moto, ["close", Self.region, added.id])
        let shrunk = try await Self.waitForTargets(exporter) { $0["\(added.id)/\(Self.region)"] == nil }
        #expect(shrunk.count == 2, "\(shrunk)")
        #expect(try await HTTPFetch.fetch(exporter.url + "/probe?target=\(added.id)/\(Self.region)").status == 404)

        // Organizations unreachable: the last accounts stay, the failure shows.
        moto.stop()
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(30))
        var failed = false
        while clock.now < deadline, !failed {
            failed = try await exporter.scrape().1.value("aws_workspaces_discovery_success", ["source": "organizations/0"]) == 0
            if !failed { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(failed, "\(exporter.log)")
        #expect(try await Self.discovered(exporter).count == 2, "a failed refresh keeps the last accounts")
        #expect(exporter.log.contains("discovering the organization's accounts failed; keeping the last accounts found"))
    }

    @Test func organizationalUnitsAreWalkedRecursively() async throws {
        let moto = try await MotoServer.start()
        defer { moto.stop() }
        let seeded = try JSONDecoder().decode(Seeded.self, from: Data(try await seed(moto, ["create", Self.region]).utf8))
        // Only dev is in the unit; from the root, every ACTIVE account (the management one too).
        for (units, expected) in [([seeded.ou], 1), ([seeded.root], 5)] {
            let config = try file("""
            organizations:
              - role_name: OrganizationAccountAccessRole
                regions: [\(Self.region)]
                organizational_units: [\(units.joined(separator: ", "))]
            """)
            let exporter = try await Exporter.start(["--config.file", config, "--no-collector.bundles"], environment: Self.motoEnvironment(moto))
            let targets = try await Self.waitForTargets(exporter) { $0.count == expected }
            #expect(targets.count == expected, "\(units): \(targets) \(exporter.log)")
            if units == [seeded.ou] { #expect(targets.keys.first == "\(seeded.members["dev"]!)/\(Self.region)") }
            #expect(!targets.keys.contains("\(seeded.members["closed"]!)/\(Self.region)"))
            exporter.stop()
        }
    }

    @Test func staticTargetsWinAndProbeRefusesWhatNobodyConfigured() async throws {
        let member = "111111111111", suspended = "222222222222"
        let emulator = try await Emulator.start(images: 3, extra: [
            "--account", "\(member):4:0", "--account", "\(suspended):2:0", "--suspended-account", suspended, "--latency-ms", "20",
        ])
        defer { emulator.stop() }
        let own = SeedImages.ownerAccountId
        // The management account is both a static target (own identity) and
        // discovered: the static one wins, once, without a role.
        let config = try file("""
        targets:
          - account_id: "\(own)"
            regions: [us-east-1]
        organizations:
          - role_name: WorkSpacesReader
            regions: [us-east-1]
        """)
        let exporter = try await Exporter.start(["--config.file", config], environment: emulator.environment)
        defer { exporter.stop() }
        let targets = try await Self.waitForTargets(exporter) { $0.count == 2 }
        #expect(Set(targets.keys) == ["\(own)/us-east-1", "\(member)/us-east-1"], "\(exporter.log)")
        #expect(targets["\(own)/us-east-1"]?["__meta_workspaces_account_name"] == nil, "the static target has no name")

        // /metrics keeps collecting everything by default.
        let (_, all) = try await exporter.scrape()
        #expect(all.series("aws_workspaces_up").count == 2)
        #expect(all.value("aws_workspaces_account_info", ["account_id": member, "account_name": "account-\(member)"]) == 1)
        #expect(try await emulator.stats().count("AssumeRole") == 1, "only the member's role is assumed")

        // Refused before any AWS call: malformed, repeated, unknown, suspended.
        let before = try await emulator.stats().total
        for (query, status) in [
            ("", 400), ("?target=", 400), ("?target=\(member)", 400), ("?target=\(member)/", 400), ("?target=12/us-east-1", 400),
            ("?target=\(member)/us-east-1&target=\(own)/us-east-1", 400), ("?target=\(member)/us_east_1", 400),
            ("?target=\(member)%2Fus-east-1%0A", 400), ("?target=333333333333/us-east-1", 404), ("?target=\(suspended)/us-east-1", 404),
            ("?target=\(member)/eu-west-1", 404),
        ] {
            let response = try await HTTPFetch.fetch(exporter.url + "/probe" + query)
            #expect(response.status == status, "\(query): \(response.text)")
        }
        #expect(try await emulator.stats().total == before, "refused probes call nothing")

        // A probe's budget is its own scrape's timeout, less the offset.
        let (quick, quickMetrics) = try await exporter.scrape(
            path: "/probe?target=\(member)/us-east-1", headers: [("X-Prometheus-Scrape-Timeout-Seconds", "10")])
        #expect(quick.status == 200)
        #expect(quickMetrics.value("aws_workspaces_scrape_timeout_seconds", ["account_id": member]) == 9.5)
        #expect(quickMetrics.value("aws_workspaces_up", ["account_id": member]) == 1)
        let head = try await HTTPFetch.fetch(exporter.url + "/probe?target=\(member)/us-east-1", method: .HEAD)
        #expect(head.status == 200 && head.body.isEmpty)
        // HEAD says what GET would: 404 for a target nobody configured, still without calling AWS.
        let calls = try await emulator.stats().total
        for unknown in ["333333333333/us-east-1", "\(suspended)/us-east-1", "\(member)/eu-west-1"] {
            let response = try await HTTPFetch.fetch(exporter.url + "/probe?target=\(unknown)", method: .HEAD)
            #expect(response.status == 404, "HEAD \(unknown)")
        }
        #expect(try await emulator.stats().total == calls)
    }

    /// An entry whose listing is refused does not hold the others up: `/sd`
    /// serves the static targets and the other entry's accounts, the
    /// replica is ready, and the refusal shows in the entry's
    /// `aws_workspaces_discovery_success` and is logged as one.
    @Test func aRefusedEntryLeavesTheOthersServed() async throws {
        let member = "111111111111"
        let own = SeedImages.ownerAccountId
        let lister = "arn:aws:iam::\(own):role/Lister"
        let emulator = try await Emulator.start(images: 2, extra: ["--account", "\(member):2:0", "--deny-role", lister])
        defer { emulator.stop() }
        let config = try file("""
        targets:
          - account_id: "\(own)"
            regions: [us-east-1]
        organizations:
          - role_name: WorkSpacesReader
            role_arn: \(lister)
            regions: [us-east-1]
          - role_name: WorkSpacesReader
            regions: [eu-west-1]
        """)
        let exporter = try await Exporter.start(["--config.file", config], environment: emulator.environment)
        defer { exporter.stop() }
        let targets = try await Self.waitForTargets(exporter) { !$0.isEmpty }
        #expect(Set(targets.keys) == ["\(own)/us-east-1", "\(own)/eu-west-1", "\(member)/eu-west-1"], "\(exporter.log)")
        #expect(try await HTTPFetch.fetch(exporter.url + "/-/ready").status == 200)
        let (_, metrics) = try await exporter.scrape()
        #expect(metrics.value("aws_workspaces_discovery_success", ["source": "organizations/0"]) == 0)
        #expect(metrics.value("aws_workspaces_discovery_success", ["source": "organizations/1"]) == 1)
        #expect(exporter.log.contains("listing the organization's accounts was refused"), "\(exporter.log)")
        #expect(exporter.log.contains("AccessDenied"))
        #expect(try await HTTPFetch.fetch(exporter.url + "/probe?target=\(member)/eu-west-1").status == 200)
    }

    @Test func removingTheOrganizationsEntryOnReloadRemovesItsTargets() async throws {
        let member = "111111111111"
        let emulator = try await Emulator.start(images: 2, extra: ["--account", "\(member):2:0"])
        defer { emulator.stop() }
        let path = try file("organizations:\n  - role_name: WorkSpacesReader\n    regions: [us-east-1, eu-west-1]\n")
        let exporter = try await Exporter.start(["--config.file", path, "--web.enable-lifecycle"], environment: emulator.environment)
        defer { exporter.stop() }
        #expect(try await Self.waitForTargets(exporter) { $0.count == 4 }.count == 4, "\(exporter.log)")
        #expect(try await exporter.scrape().1.series("aws_workspaces_up").count == 4)

        try "targets:\n  - account_id: \"\(SeedImages.ownerAccountId)\"\n    regions: [us-east-1]\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try await HTTPFetch.fetch(exporter.url + "/-/reload", method: .POST).status == 200)
        #expect(try await Self.discovered(exporter).keys.sorted() == ["\(SeedImages.ownerAccountId)/us-east-1"])
        let (_, metrics) = try await exporter.scrape()
        #expect(metrics.series("aws_workspaces_up").count == 1)
        #expect(metrics.series("aws_workspaces_discovery_success").isEmpty)
        #expect(metrics.series("aws_workspaces_account_info").isEmpty)
    }

    @Test func imagePermissionsAreAskedOncePerIntervalAndJudgedAgainstTheOrganization() async throws {
        let member = "111111111111", other = "222222222222"
        let emulator = try await Emulator.start(images: 2, extra: ["--account", "\(member):8:0", "--account", "\(other):1:0"])
        defer { emulator.stop() }
        let config = try file("organizations:\n  - role_name: WorkSpacesReader\n    regions: [us-east-1]\n    include_accounts: [\"\(member)\"]\n")
        let exporter = try await Exporter.start(
            ["--config.file", config, "--collector.image-permissions", "--no-collector.bundles"], environment: emulator.environment)
        defer { exporter.stop() }
        _ = try await Self.waitForTargets(exporter) { $0.count == 1 }
        let images = SeedImages.images(count: 8, account: member, region: "us-east-1")
        // The whole organisation (listed by ListAccounts, before include_accounts) is inside.
        let organization = [SeedImages.ownerAccountId, member, other]
        for scrape in 0..<3 {
            let (_, metrics) = try await exporter.scrape(path: "/probe?target=\(member)/us-east-1")
            #expect(metrics.value("aws_workspaces_collector_success", ["collector": "image_permissions"]) == 1, "\(exporter.log)")
            for (index, image) in images.enumerated() {
                let owned = image.ownerAccountId == member
                let shared = EmulatedAccount(id: member, images: 8, workspaces: 0).sharedAccounts(imageIndex: index, organization: organization)
                let id = try #require(image.imageId)
                #expect(metrics.value("aws_workspaces_image_shared_accounts", ["image_id": id]) == (owned ? Double(shared.count) : nil), "\(scrape) \(id)")
                #expect(metrics.value("aws_workspaces_image_shared_outside_organization_accounts", ["image_id": id])
                        == (owned ? Double(shared.filter { !organization.contains($0) }.count) : nil), "\(scrape) \(id)")
            }
        }
        let owned = images.filter { $0.ownerAccountId == member }.count
        #expect(owned >= 4)
        #expect(try await emulator.stats().count("DescribeWorkspaceImagePermissions") == owned, "one call per owned image per interval (1h)")
    }

    @Test func aNewReplicaIsReadyOnlyAfterItsFirstListing() async throws {
        // Every answer takes 8 s, so the first listing (several calls)
        // outlasts the start and the checks below, even on a loaded machine.
        let emulator = try await Emulator.start(images: 1, extra: ["--account", "111111111111:1:0", "--latency-ms", "8000"])
        defer { emulator.stop() }
        let config = try file("organizations:\n  - role_name: WorkSpacesReader\n    regions: [us-east-1]\n")
        let exporter = try await Exporter.start(["--config.file", config], environment: emulator.environment)
        defer { exporter.stop() }
        let early = try await HTTPFetch.fetch(exporter.url + "/-/ready")
        #expect(early.status == 503, "\(early.text)")
        // Nor does /sd offer a list without the organisation's accounts: Prometheus keeps its last one on an error.
        #expect(try await HTTPFetch.fetch(exporter.url + "/sd").status == 503)
        #expect(try await HTTPFetch.fetch(exporter.url + "/-/healthy").status == 200)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(60))
        var status = early.status
        while clock.now < deadline, status != 200 {
            try await Task.sleep(for: .milliseconds(100))
            status = try await HTTPFetch.fetch(exporter.url + "/-/ready").status
        }
        #expect(status == 200)
        #expect(try await Self.discovered(exporter).count == 2, "ready means listed")
    }

    @Test func entriesWithTheSameListingEachGetTheirTargetsAndTheEarlierWins() async throws {
        let member = "111111111111"
        let emulator = try await Emulator.start(images: 1, extra: ["--account", "\(member):1:0"])
        defer { emulator.stop() }
        // Same listing settings, other roles and regions: us-east-1 is in both, the first wins it.
        let path = try file("""
        organizations:
          - role_name: First
            regions: [us-east-1]
          - role_name: Second
            regions: [us-east-1, eu-west-1]
            refresh_interval: 1h
        """)
        let exporter = try await Exporter.start(["--config.file", path, "--web.enable-lifecycle"], environment: emulator.environment)
        defer { exporter.stop() }
        let targets = try await Self.waitForTargets(exporter) { $0.count == 4 }
        #expect(targets.count == 4, "\(targets) \(exporter.log)")
        for account in [SeedImages.ownerAccountId, member] {
            #expect(exporter.log.contains("account_id=\(account) collectors=images,bundles endpoint=\(emulator.url)/ region=us-east-1 role=arn:aws:iam::\(account):role/First"), "\(exporter.log)")
            #expect(exporter.log.contains("account_id=\(account) collectors=images,bundles endpoint=\(emulator.url)/ region=eu-west-1 role=arn:aws:iam::\(account):role/Second"))
        }
        // The second entry may be listed first and collect us-east-1 for a moment; the first one then takes it.
        let last = exporter.log.split(separator: "\n").last { $0.contains("msg=collecting account_id=\(member)") && $0.contains("region=us-east-1 ") }
        #expect(last?.contains("role=arn:aws:iam::\(member):role/First") == true, "\(String(describing: last))")
        let (_, metrics) = try await exporter.scrape()
        #expect(metrics.series("aws_workspaces_up").count == 4)
        #expect(metrics.values.filter { $0.key.name == "aws_workspaces_up" }.allSatisfy { $0.value == 1 }, "\(exporter.log)")
        #expect(metrics.value("aws_workspaces_discovery_success", ["source": "organizations/1"]) == 1)

        // A reload that keeps an entry's listing settings keeps its accounts: no new listing.
        let listings = try await emulator.stats().count("ListAccounts")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await HTTPFetch.fetch(exporter.url + "/-/reload", method: .POST).status == 200)
        #expect(try await Self.discovered(exporter).count == 4, "no gap after the reload")
        try await Task.sleep(for: .seconds(2))
        #expect(try await emulator.stats().count("ListAccounts") == listings, "unchanged entries are not listed again on reload")
    }

    @Test func imagePermissionsExpireAndOneRefusedImageHidesNoOther() async throws {
        let member = "111111111111"
        // Every second DescribeWorkspaceImagePermissions is throttled; one attempt each.
        let emulator = try await Emulator.start(images: 1, extra: [
            "--account", "\(member):8:0", "--fault", "throttle", "--fault-operation", "DescribeWorkspaceImagePermissions", "--fault-every", "2",
        ])
        defer { emulator.stop() }
        let config = try file("targets:\n  - role_arn: arn:aws:iam::\(member):role/r\n    regions: [us-east-1]\n")
        let exporter = try await Exporter.start(
            ["--config.file", config, "--collector.image-permissions", "--collector.image-permissions.interval", "1s", "--aws.max-attempts", "1",
             "--no-collector.bundles"],
            environment: emulator.environment)
        defer { exporter.stop() }
        let owned = SeedImages.images(count: 8, account: member, region: "us-east-1").filter { $0.ownerAccountId == member }.compactMap(\.imageId)
        var answered: Set<String> = []
        // Which call is throttled depends on the order the concurrent calls
        // arrive in: rounds go on until every image was answered once (at
        // most 15), at least 4 of them.
        var everAnswered: Set<String> = []
        for round in 0..<15 {
            let (_, metrics) = try await exporter.scrape(path: "/probe?target=\(member)/us-east-1")
            let now = Set(metrics.series("aws_workspaces_image_shared_accounts").keys.compactMap { $0.labels["image_id"] })
            #expect(now.isSuperset(of: answered), "round \(round): an image answered before is still exported (cached)")
            #expect(!now.isEmpty || round == 0)
            if metrics.value("aws_workspaces_collector_success", ["collector": "image_permissions"]) == 0 {
                #expect(metrics.value("aws_workspaces_up", ["account_id": member]) == 1, "a refused permission call fails only its collector")
            }
            answered = now
            everAnswered.formUnion(now)
            if round >= 3, everAnswered == Set(owned) { break }
            try await Task.sleep(for: .milliseconds(1100))
        }
        #expect(everAnswered == Set(owned), "every owned image answered at some point")
        // Expired every second: asked again and again, not once.
        #expect(try await emulator.stats().count("DescribeWorkspaceImagePermissions") > owned.count * 2)
        #expect(exporter.log.contains("code=ThrottlingException"))
    }
}
