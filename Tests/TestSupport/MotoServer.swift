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
        let port = FreePort.next()
        let process = try ChildProcess(binary, ["-H", "127.0.0.1", "-p", String(port)], environment: environment)
        try await process.waitForPort(port, timeout: .seconds(60))
        return MotoServer(process: process, port: port)
    }

    private init(process: ChildProcess, port: Int) {
        self.process = process
        self.port = port
    }

    public func stop() { process.stop() }
}
