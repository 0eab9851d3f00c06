import Foundation

/// The real `workspaces_exporter` binary, started on a free loopback port.
public final class Exporter: @unchecked Sendable {
    public let process: ChildProcess
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts the exporter with `arguments` (listen address added) and waits until it listens.
    public static func start(_ arguments: [String], environment: [String: String] = [:]) async throws -> Exporter {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AWS_") }
        // No EC2 here: don't probe 169.254.169.254, and keep the user's ~/.aws out of tests.
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        env["AWS_CONFIG_FILE"] = "/nonexistent/config"
        env["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent/credentials"
        env.merge(environment) { $1 }
        let (process, port) = try await ChildProcess.startServer(timeout: .seconds(30)) { port in
            try ChildProcess(PackagePaths.binary("workspaces_exporter").path, ["--web.listen-address", "127.0.0.1:\(port)"] + arguments, environment: env)
        }
        return Exporter(process: process, port: port)
    }

    private init(process: ChildProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// GET the telemetry path and parse it.
    public func scrape(path: String = "/metrics", headers: [(String, String)] = []) async throws -> (FetchedResponse, ParsedExposition) {
        let response = try await HTTPFetch.fetch(url + path, headers: headers)
        return (response, ParsedExposition(response.text))
    }

    public var log: String { process.stderr }

    public func stop() { process.stop() }
}

/// The `workspaces_emulator` binary, started on a free loopback port.
public final class Emulator: @unchecked Sendable {
    public let process: ChildProcess
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    public static func start(images: Int, extra: [String] = []) async throws -> Emulator {
        let (process, port) = try await ChildProcess.startServer(timeout: .seconds(30)) { port in
            try ChildProcess(PackagePaths.binary("workspaces_emulator").path, ["--listen-address", "127.0.0.1:\(port)", "--images", String(images)] + extra)
        }
        return Emulator(process: process, port: port)
    }

    private init(process: ChildProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// API requests and TCP connections the emulator has seen.
    public func stats() async throws -> (requests: Int, connections: Int) {
        let response = try await HTTPFetch.fetch(url + "/emulator/stats")
        let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Int] ?? [:]
        return (json["requests"] ?? -1, json["connections"] ?? -1)
    }

    public func stop() { process.stop() }
}

/// Credentials the emulator accepts (it checks that requests are signed, not the secret).
public let emulatorCredentials = ["AWS_ACCESS_KEY_ID": "AKIDEMULATOR", "AWS_SECRET_ACCESS_KEY": "emulator-secret"]
