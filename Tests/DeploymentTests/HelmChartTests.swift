import Foundation
import TestSupport
import Testing

/// The Helm chart (charts/workspaces-exporter), checked offline by
/// charts/workspaces-exporter/ci/check.py with Helm's own Go SDK
/// (helm-python-sdk: lint, schema, render; no helm binary, no cluster):
/// Chart.yaml against VERSION, the values table of its README, the schema's
/// refusals, strict Kubernetes 1.32 validation of every object of every
/// ci/*-values.yaml, the restricted Pod Security Standard, the rules against
/// the mixin's, and each rendered Deployment's args, env and mounted files
/// run by the real exporter against the emulator (the web config's client
/// certificates, cipher suites, rate limit and reloading included).
@Suite(.timeLimit(.minutes(6)))
struct HelmChartTests {
    static let script = PackagePaths.root.appendingPathComponent("charts/workspaces-exporter/ci/check.py").path

    @Test func theChartLintsRendersValidatesAndItsDeploymentRuns() async throws {
        let python = try #require(PackagePaths.which("python3"), "python3 is needed (scripts/deps.sh test)")
        let started = ContinuousClock.now
        let result = try await runCommand(python, [
            Self.script, "--time-limit", "300",
            "--exporter", PackagePaths.binary("workspaces_exporter").path,
            "--emulator", PackagePaths.binary("workspaces_emulator").path,
        ])
        let lines = result.output.split(separator: "\n")
        print("helm chart: \(lines.filter { $0.hasPrefix("ok ") }.count) checks passed, \(lines.filter { $0.hasPrefix("skip") }.count) skipped in \(ContinuousClock.now - started)")
        #expect(result.status == 0, "charts/workspaces-exporter/ci/check.py failed:\n\(result.output)")
        #expect(result.output.contains("all checks passed"), "\(result.output)")
    }
}
