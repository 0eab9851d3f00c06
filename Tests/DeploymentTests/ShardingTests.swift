import Foundation
import TestSupport
import Testing

/// The shipped probe-mode Prometheus configuration (examples/prometheus-probe.yml)
/// run for real: two exporter replicas that discover the same organisation,
/// two Prometheus servers each keeping one hashmod shard of `/sd`'s targets.
@Suite(.timeLimit(.minutes(3)))
struct ShardingTests {
    static let accounts = 12
    static let regions = ["us-east-1", "eu-west-1"]

    /// The example's scrape configs for one server: its exporter, its shard,
    /// and intervals of a second instead of a minute.
    static func scrapeConfigs(exporter: Exporter, shard: Int) throws -> String {
        let example = try String(contentsOf: PackagePaths.root.appendingPathComponent("examples/prometheus-probe.yml"), encoding: .utf8)
        let start = try #require(example.range(of: "scrape_configs:\n"))
        var text = String(example[start.upperBound...])
        for (from, to) in [
            ("localhost:10027", "127.0.0.1:\(exporter.port)"), ("regex: \"0\"", "regex: \"\(shard)\""),
            ("scrape_interval: 1m", "scrape_interval: 2s"), ("refresh_interval: 1m", "refresh_interval: 1s"),
            ("scrape_timeout: 30s", "scrape_timeout: 2s"), ("scrape_timeout: 10s", "scrape_timeout: 2s"),
        ] {
            #expect(text.contains(from), "the example no longer has \(from)")
            text = text.replacingOccurrences(of: from, with: to)
        }
        return text
    }

    @Test func twoShardsScrapeEveryTargetOnceWithoutDuplicates() async throws {
        let emulator = try await Emulator.start(images: 2, extra: ["--generated-accounts", "\(Self.accounts):3", "--workspaces", "0"])
        defer { emulator.stop() }
        let config = try PackagePaths.temporaryDirectory("sharding").appendingPathComponent("exporter.yml")
        try "organizations:\n  - role_name: WorkSpacesReader\n    regions: [\(Self.regions.joined(separator: ", "))]\n"
            .write(to: config, atomically: true, encoding: .utf8)
        var replicas: [Exporter] = []
        defer { replicas.forEach { $0.stop() } }
        for _ in 0..<2 {
            replicas.append(try await Exporter.start(["--config.file", config.path, "--no-web.metrics-targets"], environment: emulator.environment))
        }
        var servers: [Prometheus] = []
        defer { servers.forEach { $0.stop() } }
        for (shard, exporter) in replicas.enumerated() {
            servers.append(try await Prometheus.start(scrapeConfigs: try Self.scrapeConfigs(exporter: exporter, shard: shard), interval: "2s", timeout: "2s"))
        }
        // The management account is in the organisation too.
        let total = (Self.accounts + 1) * Self.regions.count
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(90))
        var counts: [Double] = []
        while clock.now < deadline {
            counts = []
            for server in servers { counts.append(try await server.value(#"count(aws_workspaces_up{job="workspaces-probe"} == 1)"#) ?? 0) }
            if counts.reduce(0, +) == Double(total) { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(counts.reduce(0, +) == Double(total), "\(counts): \(replicas[0].log)")

        // Each target in exactly one shard, up there, and its instance the target.
        var shardOf: [String: Int] = [:]
        for (shard, server) in servers.enumerated() {
            let up = try await server.query(#"up{job="workspaces-probe"}"#)
            #expect(!up.isEmpty, "shard \(shard) kept no target")
            for sample in up {
                let instance = try #require(sample.labels["instance"])
                #expect(shardOf.updateValue(shard, forKey: instance) == nil, "\(instance) is scraped by both shards")
                #expect(sample.value == 1, "\(instance)")
            }
            for sample in try await server.query(#"aws_workspaces_up{job="workspaces-probe"}"#) {
                let target = "\(sample.labels["account_id"] ?? "")/\(sample.labels["region"] ?? "")"
                #expect(sample.labels["instance"] == target, "the target's series carry its own instance")
                #expect(shardOf[target] == shard)
            }
        }
        let sd = try JSONSerialization.jsonObject(with: Data(try await HTTPFetch.fetch(replicas[0].url + "/sd").body)) as? [[String: Any]] ?? []
        let listed = Set(sd.compactMap { ($0["targets"] as? [String])?.first })
        #expect(listed.count == total)
        #expect(Set(shardOf.keys) == listed, "every target of /sd is scraped by one shard")

        // No series in both shards: the image series of all targets, once.
        var seen: Set<[String: String]> = []
        var duplicates = 0
        for server in servers {
            for sample in try await server.query(#"aws_workspaces_image_info{job="workspaces-probe"}"#) {
                var labels = sample.labels
                labels["instance"] = nil
                if !seen.insert(labels).inserted { duplicates += 1 }
            }
        }
        #expect(duplicates == 0)
        #expect(seen.count == Self.regions.count * (2 + 3 * Self.accounts), "every image of every target: \(seen.count)")
        // Each shard also scrapes its replica's own metrics: discovery there
        // (a listing that a loaded moto made miss its deadline is retried).
        for server in servers {
            try await waitUntil(timeout: .seconds(60), "discovery succeeded as seen by Prometheus") {
                try await server.value(#"aws_workspaces_discovery_success{job="workspaces-images"}"#) == 1
            }
        }
    }
}
