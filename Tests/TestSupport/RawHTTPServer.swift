/// `Tests/Fixtures/raw_http_server.py` in one of its modes: an HTTP server
/// written by hand that answers well-formed or not, on purpose.
public enum RawHTTPServer {
    /// The running script and its loopback port.
    public static func start(_ mode: String) async throws -> (ChildProcess, Int) {
        let script = PackagePaths.root.appendingPathComponent("Tests/Fixtures/raw_http_server.py").path
        let python = PackagePaths.which("python3") ?? "/usr/bin/python3"
        return try await ChildProcess.startServer { port in try ChildProcess(python, [script, "--port", String(port), "--mode", mode]) }
    }
}
