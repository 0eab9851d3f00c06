import Foundation
import TestSupport
import Testing

/// The shipped rules and dashboard against a real Prometheus and Alertmanager
/// scraping the real exporter, itself reading the emulator seeded with ERROR
/// images and throttling every fifth request (so retry and error series exist).
@Suite(.timeLimit(.minutes(3)))
struct MonitoringEndToEndTests {
    @Test func rulesEvaluateDashboardsHaveDataAndTheErrorAlertReachesAlertmanager() async throws {
        let emulator = try await Emulator.start(images: 60, extra: ["--fault", "throttle", "--fault-every", "7"])
        defer { emulator.stop() }
        let exporter = try await Exporter.start(["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url], environment: emulatorCredentials)
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
        // Let rate() over 1m see several samples.
        try await Task.sleep(for: .seconds(5))

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
            if health.count == 9, health.values.allSatisfy({ $0 == "ok" }) { break }
            try await Task.sleep(for: .milliseconds(500))
        } while clock.now < deadline
        #expect(health.count == 9)
        #expect(health.values.allSatisfy { $0 == "ok" }, "\(health)")

        // Every dashboard query, variables substituted, returns data.
        for path in ShippedFiles.dashboardPaths {
            for (panel, expr) in ShippedFiles.queries(try ShippedFiles.dashboard(path)) {
                let concrete = ShippedFiles.substitute(expr, job: "workspaces-images", instance: "127.0.0.1:\(exporter.port)", region: "us-east-1")
                // A scrape that failed (up 0) leaves no image series at that instant: ask again for a while.
                var samples = try await prometheus.query(concrete)
                for _ in 0..<20 where samples.isEmpty {
                    try await Task.sleep(for: .milliseconds(500))
                    samples = try await prometheus.query(concrete)
                }
                #expect(!samples.isEmpty, "\(panel): \(concrete) returned nothing; exporter log: \(exporter.log.suffix(2000))")
            }
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
