import Foundation
import TestSupport
import Testing

/// Issue 23: the credential chain and region resolution of the real binary
/// (`--aws.check-credentials`) against botocore's, case by case, over a
/// generated matrix of environments, shared files, web identity, container
/// and instance-metadata endpoints (`Tests/Fixtures/credential_oracle.py`,
/// run in a network namespace of its own where the fakes listen on AWS's
/// link-local addresses). Any difference fails, with the case printed.
@Suite(.timeLimit(.minutes(5)))
struct CredentialOracleTests {
    @Test func everyCaseAgreesWithBotocore() async throws {
        let script = PackagePaths.root.appendingPathComponent("Tests/Fixtures/credential_oracle.py").path
        let python = PackagePaths.which("python3") ?? "/usr/bin/python3"
        let oracle = try ChildProcess(python, [script, "--exporter", PackagePaths.binary("workspaces_exporter").path])
        let status = await oracle.waitForExit(timeout: .seconds(240))
        let output = oracle.stdout
        let summary = output.split(separator: "\n").last { $0.hasPrefix("credential oracle:") }.map(String.init) ?? ""
        print(summary)
        #expect(status == 0, "\(output.suffix(20_000))\(oracle.stderr.suffix(4000))")
        #expect(summary.hasSuffix(" 0 differences"), "\(summary)")
        let cases = summary.split(separator: " ").dropFirst(2).first.flatMap { Int($0) } ?? 0
        #expect(cases >= 200, "\(summary)")
    }
}
