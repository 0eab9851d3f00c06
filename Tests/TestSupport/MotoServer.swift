import Foundation

/// moto_server (PyPI `moto[server]`), an independent implementation of the AWS
/// APIs, on a free loopback port.
public final class MotoServer: @unchecked Sendable {
    public let process: ChildProcess
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts moto; with `authAfter`, signature and IAM checks start after that many calls.
    public static func start(authAfter: Int? = nil) async throws -> MotoServer {
        guard let binary = PackagePaths.which("moto_server") else {
            throw ChildProcess.Failure("moto_server is needed (pip install 'moto[server]')")
        }
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        if let authAfter { environment["INITIAL_NO_AUTH_ACTION_COUNT"] = String(authAfter) }
        let (process, port) = try await ChildProcess.startServer { port in
            try ChildProcess(binary, ["-H", "127.0.0.1", "-p", String(port)], environment: environment)
        }
        // Listening is not ready: wait until moto answers its own API, which
        // does not count towards INITIAL_NO_AUTH_ACTION_COUNT.
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(60))
        while clock.now < deadline {
            if let response = try? await HTTPFetch.fetch("http://127.0.0.1:\(port)/moto-api/data.json", timeout: .seconds(5)), response.status == 200 {
                return MotoServer(process: process, port: port)
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ChildProcess.Failure("moto_server on \(port) did not answer: \(process.stderr)")
    }

    private init(process: ChildProcess, port: Int) {
        self.process = process
        self.port = port
    }

    public func stop() { process.stop() }
}
