import Foundation
import Yams
import TestSupport
import Testing

@Suite struct AlertRulesTests {
    @Test func promtoolChecksAndUnitTestsPass() async throws {
        let promtool = try #require(PackagePaths.which("promtool"), "promtool is needed (apt install prometheus)")
        let check = try await runCommand(promtool, ["check", "rules", ShippedFiles.rulesPath])
        #expect(check.status == 0, "\(check.output)")
        let unit = try await runCommand(promtool, ["test", "rules", ShippedFiles.rulesTestPath])
        #expect(unit.status == 0, "\(unit.output)")
    }

    @Test func everyAlertHasSeveritySummaryDescriptionAndRunbook() throws {
        let rules = try ShippedFiles.alertRules()
        #expect(rules.count == 17)
        let runbooks = try String(contentsOfFile: ShippedFiles.runbooksPath, encoding: .utf8)
        for rule in rules {
            #expect(["critical", "warning", "info"].contains(rule.labels["severity"] ?? ""), "\(rule.alert) severity")
            #expect(!(rule.annotations["summary"] ?? "").isEmpty, "\(rule.alert) summary")
            let description = rule.annotations["description"] ?? ""
            #expect(description.contains("{{"), "\(rule.alert) description is templated")
            let runbook = try #require(rule.annotations["runbook_url"], "\(rule.alert) runbook_url")
            let anchor = try #require(runbook.split(separator: "#").last.map(String.init))
            #expect(anchor == rule.alert.lowercased(), "\(rule.alert) runbook anchor")
            #expect(runbooks.contains("\n## \(rule.alert)\n"), "docs/runbooks.md has a section for \(rule.alert)")
            // Alerts about an image name it and its region.
            if rule.alert.hasPrefix("WorkSpacesImage") && rule.alert != "WorkSpacesImagesCollectionFailing" && !rule.alert.hasPrefix("WorkSpacesImagesExporter") {
                #expect(description.contains("$labels.name") && description.contains("$labels.image_id") && description.contains("$labels.region"), "\(rule.alert) names the image and region")
            }
            // Every alert about an account names it.
            if !ShippedFiles.exporterLevelAlerts.contains(rule.alert) {
                #expect(description.contains("$labels.account_id"), "\(rule.alert) names the account")
            }
        }
    }

    @Test func theUnitTestsCoverEveryAlertFiringAndNot() throws {
        let tests = try String(contentsOfFile: ShippedFiles.rulesTestPath, encoding: .utf8)
        for rule in try ShippedFiles.alertRules() {
            let blocks = tests.components(separatedBy: "alertname: \(rule.alert)\n").dropFirst()
            #expect(blocks.contains { $0.hasPrefix("        exp_alerts: []") }, "\(rule.alert) has a not-firing case")
            #expect(blocks.contains { $0.hasPrefix("        exp_alerts:\n") }, "\(rule.alert) has a firing case")
        }
    }
}

/// The mixin is the one source: the checked-in files are its rendering, and
/// one setting changes every alert and panel that depends on it.
@Suite(.timeLimit(.minutes(2)))
struct MixinTests {
    static let script = PackagePaths.root.appendingPathComponent("scripts/mixin.sh").path

    @Test func theCheckedInFilesAreTheRenderedOnes() async throws {
        let result = try await runCommand(Self.script, ["--check"])
        #expect(result.status == 0, "scripts/mixin.sh --check: \(result.output)")
    }

    @Test func anotherJobNameChangesEveryAlertAndQuery() async throws {
        let promtool = try #require(PackagePaths.which("promtool"))
        let out = try PackagePaths.temporaryDirectory("mixin")
        // The /metrics job renamed; the probe job (probe mode) kept.
        let render = try await runCommand(Self.script, ["--selector", #"job=~"workspaces|workspaces-probe""#, "--out", out.path])
        #expect(render.status == 0, "\(render.output)")
        let rules = try String(contentsOf: out.appendingPathComponent("alerts/workspaces-images.rules.yml"), encoding: .utf8)
        #expect(rules.contains(#"up{job=~"workspaces|workspaces-probe"} == 0"#))
        #expect(rules.contains(#"absent(up{job=~"workspaces|workspaces-probe"})"#))
        #expect(!rules.contains("workspaces-images|"), "no default selector left")
        let dashboard = try String(contentsOf: out.appendingPathComponent("dashboards/workspaces-images.json"), encoding: .utf8)
        #expect(!dashboard.contains(#"workspaces-images|"#) && dashboard.contains(#"job=~\"workspaces|workspaces-probe\""#))
        // The alert unit tests, with the job renamed, pass on this rendering:
        // the health alerts follow the selector.
        let tests = try String(contentsOfFile: ShippedFiles.rulesTestPath, encoding: .utf8)
            .replacingOccurrences(of: "workspaces-images", with: "workspaces")
            .replacingOccurrences(of: "  - workspaces.rules.yml", with: "  - workspaces-images.rules.yml")
        let testFile = out.appendingPathComponent("alerts/rules.test.yml")
        try tests.write(to: testFile, atomically: true, encoding: .utf8)
        let unit = try await runCommand(promtool, ["test", "rules", testFile.path])
        #expect(unit.status == 0, "\(unit.output)")
    }

    @Test func thePrometheusRuleHoldsTheSameRules() throws {
        let rules = try Yams.load(yaml: String(contentsOfFile: ShippedFiles.rulesPath, encoding: .utf8)) as? [String: Any]
        let resource = try Yams.load(yaml: String(contentsOfFile: ShippedFiles.prometheusRulePath, encoding: .utf8)) as? [String: Any]
        #expect(resource?["kind"] as? String == "PrometheusRule")
        let groups = (resource?["spec"] as? [String: Any])?["groups"]
        #expect(NSDictionary(dictionary: ["g": groups as Any]).isEqual(to: ["g": rules?["groups"] as Any]))
    }
}
