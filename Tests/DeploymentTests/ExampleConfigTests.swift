import TestSupport
import Testing

@Suite struct ExampleConfigTests {
    @Test func prometheusExampleIsValid() async throws {
        let promtool = try #require(PackagePaths.which("promtool"), "promtool is needed (apt install prometheus)")
        let result = try await runCommand(promtool, ["check", "config", PackagePaths.root.appendingPathComponent("examples/prometheus.yml").path])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func alertmanagerExampleIsValid() async throws {
        let amtool = try #require(PackagePaths.which("amtool"), "amtool is needed (apt install prometheus-alertmanager)")
        let result = try await runCommand(amtool, ["check-config", PackagePaths.root.appendingPathComponent("examples/alertmanager.yml").path])
        #expect(result.status == 0, "\(result.output)")
    }
}
