public import Foundation

/// TLS material for the web-config tests, made by `Tests/Fixtures/make_certs.py`
/// with Python's `cryptography`, independently of the exporter.
public struct TestCertificates: Sendable {
    public let directory: URL

    /// Makes a fresh set in a temporary folder.
    public static func make() async throws -> TestCertificates {
        let directory = try PackagePaths.temporaryDirectory("certs")
        let script = PackagePaths.root.appendingPathComponent("Tests/Fixtures/make_certs.py").path
        let python = PackagePaths.which("python3") ?? "/usr/bin/python3"
        let (status, output) = try await runCommand(python, [script, directory.path])
        guard status == 0 else { throw ChildProcess.Failure("make_certs.py failed: \(output)") }
        return TestCertificates(directory: directory)
    }

    /// The path of `name` (`ca.pem`, `server.key`, ...).
    public func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// Writes a web config file next to the certificates and returns its path.
    public func writeConfig(_ yaml: String, name: String = "web.yml") throws -> String {
        let url = directory.appendingPathComponent(name)
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}
