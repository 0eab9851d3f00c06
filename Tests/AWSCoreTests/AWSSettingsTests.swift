@testable import AWSCore
import Foundation
import TestSupport
import Testing

/// The settings read from the environment and the profile, against botocore
/// (`Tests/Fixtures/settings_oracle.py`): every setting from the variable,
/// from the profile, and from both (the variable wins), valid and not.
@Suite(.timeLimit(.minutes(3)))
struct AWSSettingsTests {
    /// Each setting: its variable, its profile key, and values to try
    /// (valid ones first: the first two are used for precedence).
    static let dimensions: [(variable: String, key: String, values: [String])] = [
        ("AWS_RETRY_MODE", "retry_mode", ["adaptive", "standard", "legacy", "Adaptive", "fast"]),
        ("AWS_MAX_ATTEMPTS", "max_attempts", ["4", "1", "10", "0", "x"]),
        ("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint", ["true", "false", "TRUE", "yes"]),
        ("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint", ["true", "false"]),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint", ["http://[::1]:8080/", "http://127.0.0.1:1234", "https://imds.example", "not a url"]),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ec2_metadata_service_endpoint_mode", ["IPv6", "ipv4", "IPV6", "ipv5"]),
        ("AWS_IMDS_USE_IPV6", "imds_use_ipv6", ["true", "false"]),
        ("AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled", ["true", "false", "True"]),
        ("AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout", ["5", "2", "2.5", "soon"]),
        ("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts", ["3", "2", "x"]),
    ]

    struct Case: Sendable {
        var env: [String: String] = [:]
        var config = ""
        var label: String
    }

    static func cases() -> [Case] {
        var cases = [Case(label: "nothing set")]
        for (variable, key, values) in dimensions {
            for value in values {
                cases.append(Case(env: [variable: value], label: "\(variable)=\(value)"))
                cases.append(Case(config: "[default]\n\(key) = \(value)\n", label: "\(key) = \(value) in [default]"))
            }
            // The variable wins over the profile, either way round.
            cases.append(Case(env: [variable: values[0]], config: "[default]\n\(key) = \(values[1])\n", label: "\(variable) over \(key)"))
            cases.append(Case(env: [variable: values[1]], config: "[default]\n\(key) = \(values[0])\n", label: "\(variable) over \(key), reversed"))
            // A named profile's value, and another profile's not used.
            cases.append(Case(env: ["AWS_PROFILE": "ci"], config: "[default]\n\(key) = \(values[1])\n[profile ci]\n\(key) = \(values[0])\n", label: "\(key) of profile ci"))
        }
        // Mode and endpoint together: the endpoint wins, the mode is still checked.
        cases.append(Case(env: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"], label: "endpoint and mode"))
        cases.append(Case(env: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "ipv7"], label: "endpoint and a bad mode"))
        cases.append(Case(config: "[default]\nimds_use_ipv6 = true\nec2_metadata_service_endpoint_mode = ipv4\n", label: "mode over imds_use_ipv6"))
        cases.append(Case(env: ["AWS_USE_DUALSTACK_ENDPOINT": "true", "AWS_USE_FIPS_ENDPOINT": "true"], label: "dual-stack and FIPS"))
        return cases
    }

    @Test func everySettingAgreesWithBotocore() async throws {
        let cases = Self.cases()
        let folder = try PackagePaths.temporaryDirectory("settings")
        let input = try JSONSerialization.data(withJSONObject: cases.map { ["env": $0.env, "config": $0.config] as [String: Any] })
        let python = PackagePaths.which("python3") ?? "/usr/bin/python3"
        let script = PackagePaths.root.appendingPathComponent("Tests/Fixtures/settings_oracle.py").path
        let (status, output) = try await runCommand(python, [script], stdin: String(decoding: input, as: UTF8.self))
        #expect(status == 0, "\(output.suffix(3000))")
        let line = output.split(separator: "\n").last.map(String.init) ?? ""
        let answers = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [[String: Any]] ?? []
        try #require(answers.count == cases.count, "\(output.suffix(2000))")

        var differences: [String] = []
        for (index, (item, botocore)) in zip(cases, answers).enumerated() {
            let configPath = folder.appendingPathComponent("config-\(index)").path
            try item.config.write(toFile: configPath, atomically: true, encoding: .utf8)
            let environment = Environment(item.env.merging([
                "AWS_CONFIG_FILE": configPath, "AWS_SHARED_CREDENTIALS_FILE": folder.appendingPathComponent("none").path,
            ]) { first, _ in first })
            let retry = botocore["retry"] as? [String: Any] ?? [:]
            let imds = botocore["imds"] as? [String: Any] ?? [:]
            let botocoreFails = retry["error"] != nil || imds["error"] != nil
            let ours: AWSSettings
            do {
                ours = try AWSSettings.load(environment: environment)
            } catch {
                if !botocoreFails { differences.append("\(item.label): we refuse (\(error)), botocore accepts") }
                continue
            }
            if botocoreFails {
                differences.append("\(item.label): we accept, botocore refuses (\(retry["error"] ?? imds["error"] ?? ""))")
                continue
            }
            func differ(_ what: String, _ mine: String, _ theirs: String) {
                if mine != theirs { differences.append("\(item.label): \(what) is \(mine), botocore's \(theirs)") }
            }
            differ("retry mode", ours.retryMode.rawValue, "\(retry["mode"] ?? "")")
            differ("max attempts", ours.maxAttempts.map(String.init) ?? "none", (retry["total_max_attempts"] as? Int).map(String.init) ?? "none")
            let endpoint = try Endpoint.resolve(
                service: "workspaces", region: "us-east-1", override: nil, useFIPS: ours.useFIPS, useDualStack: ours.useDualStack, environment: Environment([:]))
            differ("endpoint", String(endpoint.url.dropLast(endpoint.url.hasSuffix("/") ? 1 : 0)), "\(botocore["endpoint"] ?? "")")
            differ("IMDS endpoint", ours.instanceMetadata.endpoint, "\(imds["endpoint"] ?? "")")
            differ("IMDS timeout", "\(ours.instanceMetadata.timeout / .seconds(1))", "\(imds["timeout"] ?? "")")
            differ("IMDS attempts", "\(ours.instanceMetadata.attempts)", "\(imds["attempts"] ?? "")")
            differ("IMDSv1 disabled", "\(ours.instanceMetadata.v1Disabled)", "\((imds["v1_disabled"] as? Bool) ?? false)")
        }
        print("settings oracle: \(cases.count) cases, \(differences.count) differences")
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
        #expect(cases.count > 80)
    }

    /// `ec2_metadata_v1_disabled` and the endpoint from the profile alone
    /// reach the instance-metadata client: an IPv6 endpoint on `::1`, and no
    /// IMDSv1 fallback when the token request fails.
    @Test func instanceMetadataSettingsFromTheProfile() async throws {
        let (metadata, server) = try MetadataServer.start(imds: .v1Only(tokenStatus: 403), host: "::1")
        defer { Task { await server.shutdown() } }
        let folder = try PackagePaths.temporaryDirectory("imds")
        let config = folder.appendingPathComponent("config").path
        let environment = Environment(["AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"])

        try "[default]\nec2_metadata_service_endpoint = http://[::1]:\(server.port)/\nmetadata_service_timeout = 5\n".write(toFile: config, atomically: true, encoding: .utf8)
        let fallback = InstanceMetadataClient(environment: environment, httpClient: HTTPFetch.client)
        #expect(fallback.endpoint == "http://[::1]:\(server.port)")
        let credentials = try await InstanceMetadataCredentialProvider(client: fallback).resolve()
        #expect(credentials?.accessKeyId.hasPrefix("IMDSKEY") == true)

        try "[default]\nec2_metadata_service_endpoint = http://[::1]:\(server.port)/\nec2_metadata_v1_disabled = true\nmetadata_service_timeout = 5\n".write(toFile: config, atomically: true, encoding: .utf8)
        let v2Only = InstanceMetadataClient(environment: environment, httpClient: HTTPFetch.client)
        #expect(v2Only.v1Disabled)
        await #expect(throws: AWSClientError.self) { try await InstanceMetadataCredentialProvider(client: v2Only).resolve() }
        #expect(metadata.count("/latest/meta-data/iam/security-credentials/") == 1)

        // The IPv6 mode picks AWS's IPv6 address.
        try "[default]\nec2_metadata_service_endpoint_mode = IPv6\n".write(toFile: config, atomically: true, encoding: .utf8)
        #expect(InstanceMetadataClient(environment: environment, httpClient: HTTPFetch.client).endpoint == "http://[fd00:ec2::254]")
    }
}
