import Foundation
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
        #expect(rules.count == 9)
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
