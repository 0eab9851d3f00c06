import Foundation
import TestSupport
import Testing

/// The shipped rules and dashboard against a real Prometheus and Alertmanager
/// scraping the real exporter, itself reading the emulator seeded with ERROR
/// images, bundles and WorkSpaces, and throttling every seventh image request
/// (so retry and error series exist).
@Suite(.timeLimit(.minutes(3)))
struct MonitoringEndToEndTests {
    @Test func rulesEvaluateDashboardsHaveDataAndTheErrorAlertReachesAlertmanager() async throws {
        let emulator = try await Emulator.start(images: 60, extra: ["--workspaces", "30", "--fault", "throttle", "--fault-every", "7", "--account", "111111111111:3:0"])
        defer { emulator.stop() }
        // The default account as a static target, and one more discovered
        // from the emulator's organisation: the Discovery panels and the
        // account names have data too.
        let config = try PackagePaths.temporaryDirectory("monitoring").appendingPathComponent("exporter.yml")
        try """
        targets:
          - account_id: "\(Exporter.defaultAccount)"
            regions: [us-east-1]
        organizations:
          - role_name: WorkSpacesReader
            regions: [us-east-1]
        """.write(to: config, atomically: true, encoding: .utf8)
        let exporter = try await Exporter.start(["--config.file", config.path, "--collector.workspaces"], environment: emulator.environment)
        defer { exporter.stop() }
        let alertmanager = try await Alertmanager.start()
        defer { alertmanager.stop() }

        // The shipped rules with "for" shortened, so alerts fire within the test.
        let rules = try String(contentsOfFile: ShippedFiles.rulesPath, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).hasPrefix("for:") ? $0.prefix { $0 == " " } + "for: 0s" : $0 }
            .joined(separator: "\n")
        let prometheus = try await Prometheus.start(
            // Room for a throttling back-off within each scrape, even on a loaded machine.
            scraping: "127.0.0.1:\(exporter.port)", job: "workspaces-images", interval: "2s", timeout: "2s",
            extraConfig: """
            rule_files: [rules.yml]
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ["127.0.0.1:\(alertmanager.port)"]
            """,
            files: ["rules.yml": rules])
        defer { prometheus.stop() }

        try await prometheus.waitFor(#"aws_workspaces_up{job="workspaces-images"} == 1"#)
        try await prometheus.waitFor(#"aws_workspaces_api_retries_total{reason="throttling"}"#)
        #expect(try await prometheus.value(#"up{job="workspaces-images"}"#) == 1)
        // Until rate() over 1m has several samples to work on (a condition, not a wait).
        try await prometheus.waitFor(#"count_over_time(up{job="workspaces-images"}[1m]) >= 4"#)

        // Every rule has been evaluated without error.
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(30))
        var health: [String: String] = [:]
        repeat {
            let data = try await prometheus.api("/api/v1/rules") as? [String: Any]
            let groups = data?["groups"] as? [[String: Any]] ?? []
            health = [:]
            for rule in groups.flatMap({ $0["rules"] as? [[String: Any]] ?? [] }) {
                health[rule["name"] as? String ?? "?"] = "\(rule["health"] ?? "?") \(rule["lastError"] ?? "")".trimmingCharacters(in: .whitespaces)
            }
            if health.count == 18, health.values.allSatisfy({ $0 == "ok" }) { break }
            try await Task.sleep(for: .milliseconds(500))
        } while clock.now < deadline
        #expect(health.count == 18, "17 alerts and the recording rule")
        #expect(health.values.allSatisfy { $0 == "ok" }, "\(health)")

        // Every panel's first query, variables substituted, returns data; the
        // others must evaluate (some need days of history, e.g. updates waiting
        // for a week).
        var panelsWithData: Set<String> = []
        for path in ShippedFiles.dashboardPaths {
            for (panel, refId, expr) in ShippedFiles.queriesWithIDs(try ShippedFiles.dashboard(path)) {
                let concrete = ShippedFiles.substitute(
                    expr, job: "workspaces-images", instance: "127.0.0.1:\(exporter.port)", accountID: Exporter.defaultAccount, region: "us-east-1")
                // A scrape that failed (up 0) leaves no image series at that instant: ask again for a while.
                var samples = try await prometheus.query(concrete)
                for _ in 0..<20 where samples.isEmpty && refId == "A" {
                    try await Task.sleep(for: .milliseconds(500))
                    samples = try await prometheus.query(concrete)
                }
                if !samples.isEmpty { panelsWithData.insert(panel) }
                if refId == "A" {
                    #expect(!samples.isEmpty, "\(panel): \(concrete) returned nothing; exporter log: \(exporter.log.suffix(2000))")
                }
            }
        }
        // The operators' three questions, each answered by a panel with data.
        for question in ["Unused images", "WorkSpaces on images with updates available", "Bundles on old images"] {
            #expect(panelsWithData.contains(question), "no data for the panel \(question)")
        }

        // The ERROR images reach Alertmanager as WorkSpacesImageInError.
        let alertDeadline = clock.now.advanced(by: .seconds(60))
        var received: [[String: String]] = []
        repeat {
            received = try await alertmanager.alerts()
            if received.contains(where: { $0["alertname"] == "WorkSpacesImageInError" }) { break }
            try await Task.sleep(for: .milliseconds(500))
        } while clock.now < alertDeadline
        let inError = received.filter { $0["alertname"] == "WorkSpacesImageInError" }
        #expect(!inError.isEmpty, "alerts in Alertmanager: \(received.map { $0["alertname"] ?? "?" })")
        #expect(inError.allSatisfy { $0["severity"] == "warning" && $0["region"] == "us-east-1" && $0["image_id"] != nil })
    }
}
