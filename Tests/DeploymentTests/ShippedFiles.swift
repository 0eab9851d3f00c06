import Foundation
import TestSupport
import Yams

/// The dashboards and rules this repository ships, loaded for the tests.
enum ShippedFiles {
    static let rulesPath = PackagePaths.root.appendingPathComponent("alerts/workspaces-images.rules.yml").path
    static let rulesTestPath = PackagePaths.root.appendingPathComponent("alerts/workspaces-images.rules.test.yml").path
    static let runbooksPath = PackagePaths.root.appendingPathComponent("docs/runbooks.md").path
    static let prometheusRulePath = PackagePaths.root.appendingPathComponent("deploy/kubernetes/prometheus-rule.yaml").path

    /// The alerts about the exporter itself, not about an account's images.
    static let exporterLevelAlerts: Set<String> = [
        "WorkSpacesImagesExporterDown", "WorkSpacesImagesExporterAbsent", "WorkSpacesExporterConfigReloadFailed",
        "WorkSpacesDiscoveryFailing", "WorkSpacesDiscoveryStale", "WorkSpacesDiscoveryFoundNoAccounts",
    ]

    static var dashboardPaths: [String] {
        let folder = PackagePaths.root.appendingPathComponent("dashboards")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { folder.appendingPathComponent($0).path }
    }

    static func dashboard(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// Every non-row panel, rows' nested panels included.
    static func panels(_ dashboard: [String: Any]) -> [[String: Any]] {
        var result: [[String: Any]] = []
        for panel in dashboard["panels"] as? [[String: Any]] ?? [] {
            if panel["type"] as? String == "row" {
                result += panel["panels"] as? [[String: Any]] ?? []
            } else {
                result.append(panel)
            }
        }
        return result
    }

    /// (panel title, expression) for every query of every panel.
    static func queries(_ dashboard: [String: Any]) -> [(panel: String, expr: String)] {
        panels(dashboard).flatMap { panel in
            (panel["targets"] as? [[String: Any]] ?? []).compactMap { target in
                (target["expr"] as? String).map { (panel["title"] as? String ?? "?", $0) }
            }
        }
    }

    /// Grafana's variables replaced with concrete values.
    static func substitute(_ expr: String, job: String, instance: String, accountID: String = ".+", region: String, rateInterval: String = "1m") -> String {
        expr.replacingOccurrences(of: "$__rate_interval", with: rateInterval)
            .replacingOccurrences(of: "$job", with: job)
            .replacingOccurrences(of: "$instance", with: instance)
            .replacingOccurrences(of: "$account_id", with: accountID)
            .replacingOccurrences(of: "$region", with: region)
    }

    /// (panel title, refId, expression) for every query of every panel.
    static func queriesWithIDs(_ dashboard: [String: Any]) -> [(panel: String, refId: String, expr: String)] {
        panels(dashboard).flatMap { panel in
            (panel["targets"] as? [[String: Any]] ?? []).compactMap { target in
                (target["expr"] as? String).map { (panel["title"] as? String ?? "?", target["refId"] as? String ?? "?", $0) }
            }
        }
    }

    struct Rule {
        let alert: String
        let expr: String
        let labels: [String: String]
        let annotations: [String: String]
    }

    static func alertRules() throws -> [Rule] {
        let text = try String(contentsOfFile: rulesPath, encoding: .utf8)
        let document = try Yams.load(yaml: text) as? [String: Any] ?? [:]
        let groups = document["groups"] as? [[String: Any]] ?? []
        return groups.flatMap { group in
            (group["rules"] as? [[String: Any]] ?? []).compactMap { rule in
                guard let alert = rule["alert"] as? String else { return nil }
                return Rule(
                    alert: alert, expr: rule["expr"] as? String ?? "",
                    labels: rule["labels"] as? [String: String] ?? [:],
                    annotations: rule["annotations"] as? [String: String] ?? [:])
            }
        }
    }
}
