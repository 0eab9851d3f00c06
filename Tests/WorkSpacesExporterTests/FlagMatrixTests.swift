import Foundation
import TestSupport
import Testing

/// The release binary with each `--collector.*` flag on and off in turn, with
/// a web config, and with a config file of an `organizations` entry, against
/// the emulator: `/metrics` and `/probe` three times each, `/sd` and
/// `/-/reload`; the process stays up, logs no error, and serves every family
/// that docs/metrics.md lists for what is on.
@Suite(.timeLimit(.minutes(5)))
struct FlagMatrixTests {
    static let member = "111111111111"
    static let region = "us-east-1"
    static let role = "arn:aws:iam::\(member):role/Reader"
    /// bcrypt of "secret" at cost 4.
    static let hash = "$2y$04$xFexTl9DrGRUCvQPmd/.3OIFngdNOS.kTo6eLd1NcDt0A36VF2sqO"

    struct Combination: CustomStringConvertible {
        var name: String
        var collectors: Set<String>
        var webConfig = false
        var organizations = false
        var description: String { name }

        /// The flags that turn each collector on or off (images is always on).
        var flags: [String] {
            ["bundles", "workspaces", "image-permissions", "account-alias"].map { flag in
                collectors.contains(flag.replacingOccurrences(of: "-", with: "_")) ? "--collector.\(flag)" : "--no-collector.\(flag)"
            }
        }
    }

    static let defaults: Set<String> = ["images", "bundles"]
    static let everything: Set<String> = ["images", "bundles", "workspaces", "image_permissions", "account_alias"]
    static let combinations: [Combination] = [
        Combination(name: "defaults", collectors: defaults),
        Combination(name: "no bundles", collectors: ["images"]),
        Combination(name: "workspaces", collectors: defaults.union(["workspaces"])),
        Combination(name: "image permissions", collectors: defaults.union(["image_permissions"])),
        Combination(name: "account alias", collectors: defaults.union(["account_alias"])),
        Combination(name: "everything", collectors: everything),
        Combination(name: "web config", collectors: defaults, webConfig: true),
        Combination(name: "organizations", collectors: everything, organizations: true),
    ]

    /// Where a family is served and when; every family of docs/metrics.md is here.
    enum Scope { case target, exporter }
    static let families: [(name: String, scope: Scope, when: @Sendable (Combination) -> Bool)] = [
        ("aws_workspaces_images", .target, { _ in true }),
        ("aws_workspaces_image_errors", .target, { _ in true }),
        ("aws_workspaces_images_update_available", .target, { _ in true }),
        ("aws_workspaces_image_info", .target, { _ in true }),
        ("aws_workspaces_image_age_seconds", .target, { _ in true }),
        ("aws_workspaces_image_created_timestamp_seconds", .target, { _ in true }),
        ("aws_workspaces_image_update_available", .target, { _ in true }),
        ("aws_workspaces_bundle_info", .target, { $0.collectors.contains("bundles") }),
        ("aws_workspaces_bundle_last_updated_timestamp_seconds", .target, { $0.collectors.contains("bundles") }),
        ("aws_workspaces_image_bundles", .target, { $0.collectors.contains("bundles") }),
        ("aws_workspaces_workspaces", .target, { $0.collectors.contains("workspaces") }),
        ("aws_workspaces_image_workspaces", .target, { $0.collectors.isSuperset(of: ["bundles", "workspaces"]) }),
        ("aws_workspaces_image_shared_accounts", .target, { $0.collectors.contains("image_permissions") }),
        ("aws_workspaces_image_shared_outside_organization_accounts", .target, { $0.collectors.contains("image_permissions") && $0.organizations }),
        ("aws_workspaces_up", .target, { _ in true }),
        ("aws_workspaces_scrape_duration_seconds", .target, { _ in true }),
        ("aws_workspaces_scrape_timeout_seconds", .target, { _ in true }),
        ("aws_workspaces_last_success_timestamp_seconds", .target, { _ in true }),
        ("aws_workspaces_collector_success", .target, { _ in true }),
        ("aws_workspaces_collector_duration_seconds", .target, { _ in true }),
        ("aws_workspaces_collection_age_seconds", .target, { _ in true }),
        ("aws_workspaces_collections_reused_total", .target, { _ in true }),
        ("aws_workspaces_account_info", .target, { $0.collectors.contains("account_alias") || $0.organizations }),
        ("aws_workspaces_api_requests_total", .exporter, { _ in true }),
        ("aws_workspaces_api_request_duration_seconds", .exporter, { _ in true }),
        // Absent until a retry happens, or a request waits for adaptive mode's limiter: never here.
        ("aws_workspaces_api_retries_total", .exporter, { _ in false }),
        ("aws_workspaces_api_rate_limit_wait_seconds_total", .exporter, { _ in false }),
        ("aws_workspaces_discovery_success", .exporter, { $0.organizations }),
        ("aws_workspaces_discovery_last_success_timestamp_seconds", .exporter, { $0.organizations }),
        ("aws_workspaces_discovery_duration_seconds", .exporter, { $0.organizations }),
        ("aws_workspaces_discovery_accounts", .exporter, { $0.organizations }),
        ("aws_workspaces_exporter_build_info", .exporter, { _ in true }),
        ("aws_workspaces_config_last_reload_successful", .exporter, { _ in true }),
        ("aws_workspaces_config_last_reload_success_timestamp_seconds", .exporter, { _ in true }),
        ("aws_workspaces_http_client_connections_opened_total", .exporter, { _ in true }),
        ("aws_workspaces_http_client_threads", .exporter, { _ in true }),
        ("process_cpu_seconds_total", .exporter, { _ in true }),
        ("process_resident_memory_bytes", .exporter, { _ in true }),
    ]

    /// The `aws_workspaces_*` families docs/metrics.md lists.
    static func documentedFamilies() throws -> Set<String> {
        let text = try String(contentsOf: PackagePaths.root.appendingPathComponent("docs/metrics.md"), encoding: .utf8)
        var names: Set<String> = []
        for line in text.split(separator: "\n") where line.hasPrefix("| `aws_workspaces_") {
            let name = line.dropFirst(3).prefix { $0 != "`" }
            names.insert(String(name))
        }
        return names
    }

    @Test func everyDocumentedFamilyIsInTheMatrix() throws {
        let documented = try Self.documentedFamilies()
        #expect(documented.count > 30)
        let known = Set(Self.families.map(\.name))
        #expect(documented.subtracting(known).isEmpty, "documented but not checked: \(documented.subtracting(known).sorted())")
        #expect(known.filter { $0.hasPrefix("aws_") }.subtracting(documented).isEmpty, "checked but not documented: \(known.subtracting(documented).sorted())")
    }

    @Test(arguments: combinations) func theReleaseBinaryServesEveryFamilyOfWhatIsOn(_ combination: Combination) async throws {
        let emulator = try await Emulator.start(images: 0, extra: ["--account", "\(Self.member):8:3"])
        defer { emulator.stop() }
        let folder = try PackagePaths.temporaryDirectory("matrix")
        var arguments = ["--web.enable-lifecycle"] + combination.flags
        if combination.organizations {
            let config = folder.appendingPathComponent("exporter.yml")
            try """
            organizations:
              - role_name: Reader
                regions: [\(Self.region)]
                include_accounts: ["\(Self.member)"]
            """.write(to: config, atomically: true, encoding: .utf8)
            arguments += ["--config.file", config.path]
        } else {
            arguments += ["--aws.region", Self.region, "--aws.role-arn", Self.role]
        }
        var headers: [(String, String)] = []
        if combination.webConfig {
            let web = folder.appendingPathComponent("web.yml")
            try "basic_auth_users:\n  prometheus: \(Self.hash)\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n"
                .write(to: web, atomically: true, encoding: .utf8)
            arguments += ["--web.config.file", web.path]
            headers = [("Authorization", "Basic " + Data("prometheus:secret".utf8).base64EncodedString())]
        }
        let exporter = try await Exporter.start(arguments, environment: emulator.environment, defaultBudget: true)
        defer { exporter.stop() }
        if combination.webConfig {
            #expect(try await HTTPFetch.fetch(exporter.url + "/metrics").status == 401, "the web config is in force")
        }
        // Discovery lists in the background: /sd and readiness say when.
        try await waitUntil(timeout: .seconds(30)) { try await HTTPFetch.fetch(exporter.url + "/-/ready", headers: headers).status == 200 }

        let target = "\(Self.member)/\(Self.region)"
        for round in 1...3 {
            let metrics = try await HTTPFetch.fetch(exporter.url + "/metrics", headers: headers)
            #expect(metrics.status == 200, "\(combination) /metrics \(round): \(metrics.text)")
            let parsed = ParsedExposition(metrics.text)
            let probe = try await HTTPFetch.fetch(exporter.url + "/probe?target=\(target)", headers: headers)
            #expect(probe.status == 200, "\(combination) /probe \(round): \(probe.text)")
            let probed = ParsedExposition(probe.text)
            for family in Self.families {
                let expected = family.when(combination)
                // A histogram's series are its _bucket, _sum and _count.
                let histogram = family.name == "aws_workspaces_api_request_duration_seconds"
                let name = histogram ? family.name + "_count" : family.name
                #expect((!parsed.series(name).isEmpty) == expected, "\(combination) /metrics \(round): \(family.name) \(expected ? "missing" : "served")")
                if family.scope == .target {
                    #expect((!probed.series(family.name).isEmpty) == expected, "\(combination) /probe \(round): \(family.name) \(expected ? "missing" : "served")")
                } else {
                    #expect(probed.series(family.name).isEmpty, "\(combination) /probe \(round): \(family.name) is the exporter's own")
                }
            }
            for kind in Self.everything {
                let success = parsed.value("aws_workspaces_collector_success", ["collector": kind])
                #expect(success == (combination.collectors.contains(kind) ? 1 : nil), "\(combination): collector \(kind) \(String(describing: success))")
            }
            #expect(parsed.value("aws_workspaces_up", ["account_id": Self.member]) == 1, "\(combination): \(exporter.log)")
        }
        let sd = try await HTTPFetch.fetch(exporter.url + "/sd", headers: headers)
        #expect(sd.status == 200 && sd.text.contains(target), "\(combination) /sd: \(sd.text)")
        let reload = try await HTTPFetch.fetch(exporter.url + "/-/reload", method: .POST, headers: headers)
        #expect(reload.status == 200, "\(combination) /-/reload: \(reload.text)")
        #expect(try await HTTPFetch.fetch(exporter.url + "/metrics", headers: headers).status == 200)

        #expect(exporter.process.isRunning, "\(combination): the process is gone: \(exporter.log)")
        let errors = exporter.log.split(separator: "\n").filter { $0.contains("level=error") || $0.contains("level=fatal") }
        #expect(errors.isEmpty, "\(combination): \(errors)")
        // Three scrapes and three probes within the API budget: one collection.
        #expect(try await emulator.stats().count("DescribeWorkspaceImages") == 1, "\(combination)")
    }
}
