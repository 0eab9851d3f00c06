import Foundation
import TestSupport
import Testing

/// grafana/dashboard-linter's rules, checked here since Grafana itself does
/// not install on these machines: one datasource variable and no hard-coded
/// uid, job and instance variables and matchers, units and descriptions, rate
/// intervals, and PromQL that parses.
@Suite struct DashboardLintTests {
    static let dashboards = ShippedFiles.dashboardPaths

    @Test func thereIsADashboard() {
        #expect(!Self.dashboards.isEmpty)
    }

    @Test(arguments: dashboards)
    func templateVariables(path: String) throws {
        let dashboard = try ShippedFiles.dashboard(path)
        let variables = (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        let datasources = variables.filter { $0["type"] as? String == "datasource" }
        #expect(datasources.count == 1, "exactly one datasource variable")
        #expect(datasources.first?["query"] as? String == "prometheus")
        for name in ["job", "instance", "account_id", "region"] {
            let variable = try #require(variables.first { $0["name"] as? String == name }, "variable \(name)")
            let query = ((variable["query"] as? [String: Any])?["query"] as? String) ?? (variable["query"] as? String) ?? ""
            #expect(query.hasPrefix("label_values(") && query.hasSuffix(", \(name))"), "\(name) comes from label_values")
            #expect((variable["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}")
        }
        #expect(!(dashboard["title"] as? String ?? "").isEmpty)
    }

    @Test(arguments: dashboards)
    func panelsHaveTitleDescriptionUnitAndTheDatasourceVariable(path: String) throws {
        for panel in ShippedFiles.panels(try ShippedFiles.dashboard(path)) {
            let title = panel["title"] as? String ?? ""
            #expect(!title.isEmpty)
            #expect(!(panel["description"] as? String ?? "").isEmpty, "\(title): description")
            let unit = ((panel["fieldConfig"] as? [String: Any])?["defaults"] as? [String: Any])?["unit"] as? String
            #expect(!(unit ?? "").isEmpty, "\(title): unit")
            #expect((panel["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}", "\(title): datasource")
            for target in panel["targets"] as? [[String: Any]] ?? [] {
                #expect((target["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}", "\(title): target datasource")
            }
        }
    }

    @Test(arguments: dashboards)
    func queriesMatchJobInstanceAccountRegionAndUseRateIntervals(path: String) throws {
        for (panel, expr) in ShippedFiles.queries(try ShippedFiles.dashboard(path)) {
            #expect(expr.contains(#"job=~"$job""#), "\(panel): job matcher in \(expr)")
            #expect(expr.contains(#"instance=~"$instance""#), "\(panel): instance matcher in \(expr)")
            // The process-wide families carry neither account nor region.
            if !expr.contains("aws_workspaces_exporter_build_info") && !expr.contains("aws_workspaces_config_last_reload_")
                && !expr.contains("aws_workspaces_discovery_") {
                #expect(expr.contains(#"region=~"$region""#), "\(panel): region matcher in \(expr)")
                #expect(expr.contains(#"account_id=~"$account_id""#), "\(panel): account matcher in \(expr)")
            }
            // Counters only under rate/increase, over $__rate_interval.
            for function in ["rate(", "increase(", "irate("] where expr.contains(function) {
                #expect(expr.contains("[$__rate_interval]"), "\(panel): \(function) over $__rate_interval")
            }
            if expr.contains("_total{") || expr.contains("_bucket{") {
                #expect(expr.contains("rate(") || expr.contains("increase("), "\(panel): counter without rate")
            }
        }
    }

    @Test(arguments: dashboards)
    func everyQueryParses(path: String) async throws {
        let promtool = try #require(PackagePaths.which("promtool"), "promtool is needed (apt install prometheus)")
        let queries = ShippedFiles.queries(try ShippedFiles.dashboard(path))
        // promtool parses rule expressions: check each query as a recording rule.
        var yaml = "groups:\n  - name: dashboard\n    rules:\n"
        for (index, query) in queries.enumerated() {
            let expr = ShippedFiles.substitute(query.expr, job: ".+", instance: ".+", accountID: ".+", region: ".+")
            yaml += "      - record: dashboard:query\(index)\n        expr: '\(expr.replacingOccurrences(of: "'", with: "''"))'\n"
        }
        let file = try PackagePaths.temporaryDirectory("lint").appendingPathComponent("queries.yml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let result = try await runCommand(promtool, ["check", "rules", file.path])
        #expect(result.status == 0, "\(result.output)")
    }
}
