import Foundation

/// The real `workspaces_exporter` binary, started on a free loopback port.
public final class Exporter: @unchecked Sendable {
    public let process: ChildProcess
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    /// The account the emulator's default key belongs to.
    public static let defaultAccount = "123456789012"

    /// Starts the exporter with `arguments` (listen address added) and waits
    /// until it listens. A single-target start (`--aws.region`, no role, no
    /// config file) gets `--aws.account-id` of the emulator's default account,
    /// so that tests not about accounts make no STS call; the tests about
    /// accounts pass their own.
    ///
    /// Tests that count API calls scrape after scrape and are not about the
    /// API budget get `--collector.min-interval 0s` (a collection per scrape);
    /// `defaultBudget: true`, or a `--collector.min-interval` of their own, keeps what users get.
    public static func start(_ arguments: [String], environment: [String: String] = [:], defaultBudget: Bool = false) async throws -> Exporter {
        var arguments = arguments
        if !defaultBudget, !arguments.contains(where: { $0.hasPrefix("--collector.min-interval") }) {
            arguments += ["--collector.min-interval", "0s"]
        }
        if arguments.contains(where: { $0.hasPrefix("--aws.region") }),
           !arguments.contains(where: { $0.hasPrefix("--aws.account-id") || $0.hasPrefix("--config.file") || $0.hasPrefix("--aws.role-arn") }) {
            arguments += ["--aws.account-id", defaultAccount]
        }
        // Nothing of the machine's AWS set-up or proxies leaks into a test.
        var env = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("AWS_") && !$0.key.lowercased().hasSuffix("_proxy")
        }
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

    /// Scrapes until `aws_workspaces_up` with `labels` is 1 (throws after
    /// `timeout`): for a credential source served from this test process,
    /// whose answer a loaded machine may delay past the exporter's timeout
    /// once. A source that never works still fails the test.
    public func scrapeUntilUp(_ labels: [String: String], timeout: Duration = .seconds(60)) async throws -> ParsedExposition {
        var last = ParsedExposition("")
        try await waitUntil(timeout: timeout, "aws_workspaces_up \(labels) == 1:\n\(log)") {
            last = try await scrape().1
            return last.value("aws_workspaces_up", labels) == 1
        }
        return last
    }

    /// Waits until the log holds `text` at least `count` times (a condition,
    /// not a fixed sleep); throws after `timeout`.
    public func waitForLog(_ text: String, count: Int = 1, timeout: Duration = .seconds(20)) async throws {
        try await waitUntil(timeout: timeout, "\"\(text)\" logged \(count) time(s):\n\(log)") {
            log.components(separatedBy: text).count - 1 >= count
        }
    }

    public func stop() { process.stop() }
}

/// The `workspaces_emulator` binary, started on a free loopback port.
public final class Emulator: @unchecked Sendable {
    public let process: ChildProcess
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts the emulator. A `--fault` without `--fault-operation` hits
    /// DescribeWorkspaceImages only, which is what the tests about images
    /// reason about; tests about the other operations name theirs.
    public static func start(images: Int, extra: [String] = []) async throws -> Emulator {
        var extra = extra
        if extra.contains("--fault"), !extra.contains("--fault-operation") {
            extra += ["--fault-operation", "DescribeWorkspaceImages"]
        }
        let (process, port) = try await ChildProcess.startServer(timeout: .seconds(30)) { port in
            try ChildProcess(PackagePaths.binary("workspaces_emulator").path, ["--listen-address", "127.0.0.1:\(port)", "--images", String(images)] + extra)
        }
        return Emulator(process: process, port: port)
    }

    /// The environment that points an exporter at this emulator for every
    /// service (WorkSpaces and STS), with the default account's key.
    public var environment: [String: String] {
        emulatorCredentials.merging(["AWS_ENDPOINT_URL": url]) { $1 }
    }

    private init(process: ChildProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// What the emulator has seen: `requests` counts DescribeWorkspaceImages
    /// (what most tests reason about); `operations` counts every operation.
    public struct Stats: Sendable {
        public let requests: Int
        public let connections: Int
        public let operations: [String: Int]
        public var total: Int { operations.values.reduce(0, +) }
        public func count(_ operation: String) -> Int { operations[operation] ?? 0 }
    }

    public func stats() async throws -> Stats {
        let response = try await HTTPFetch.fetch(url + "/emulator/stats")
        let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
        let operations = json["operations"] as? [String: Int] ?? [:]
        return Stats(requests: operations["DescribeWorkspaceImages"] ?? 0, connections: json["connections"] as? Int ?? -1, operations: operations)
    }

    public func stop() { process.stop() }
}

/// Credentials the emulator accepts (it checks that requests are signed, not the secret).
public let emulatorCredentials = ["AWS_ACCESS_KEY_ID": "AKIDEMULATOR", "AWS_SECRET_ACCESS_KEY": "emulator-secret"]

/// What this build of the exporter says about itself (`--version`), to
/// compare `aws_workspaces_exporter_build_info` with.
public struct BuiltVersion: Sendable {
    public let version: String
    public let revision: String
    public let branch: String
    public let swiftVersion: String

    public static func read() async throws -> BuiltVersion {
        let output = try await runCommand(PackagePaths.binary("workspaces_exporter").path, ["--version"]).output
        func after(_ marker: String, until end: Character) -> String {
            guard let range = output.range(of: marker) else { return "" }
            return String(output[range.upperBound...].prefix { $0 != end && $0 != "\n" })
        }
        return BuiltVersion(
            version: after("version ", until: " "), revision: after("revision: ", until: ")"),
            branch: after("branch: ", until: ","), swiftVersion: after("swift version:", until: "\n").trimmingCharacters(in: .whitespaces))
    }

    /// The labels of `aws_workspaces_exporter_build_info`.
    public var labels: [String: String] {
        ["version": version, "revision": revision, "branch": branch, "swift_version": swiftVersion]
    }
}
