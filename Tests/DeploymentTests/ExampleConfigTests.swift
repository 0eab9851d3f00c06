import TestSupport
import Testing

@Suite struct ExampleConfigTests {
    @Test(arguments: ["examples/prometheus.yml", "examples/prometheus-probe.yml"])
    func prometheusExampleIsValid(path: String) async throws {
        let promtool = try #require(PackagePaths.which("promtool"), "promtool is needed (apt install prometheus)")
        let result = try await runCommand(promtool, ["check", "config", PackagePaths.root.appendingPathComponent(path).path])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func organizationConfigExampleIsValid() async throws {
        let result = try await runCommand(
            PackagePaths.binary("workspaces_exporter").path,
            ["--config.check", "--config.file", PackagePaths.root.appendingPathComponent("examples/config-organization.yml").path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("2 organizations entries"), "\(result.output)")
    }

    @Test func alertmanagerExampleIsValid() async throws {
        let amtool = try #require(PackagePaths.which("amtool"), "amtool is needed (apt install prometheus-alertmanager)")
        let result = try await runCommand(amtool, ["check-config", PackagePaths.root.appendingPathComponent("examples/alertmanager.yml").path])
        #expect(result.status == 0, "\(result.output)")
    }
}
