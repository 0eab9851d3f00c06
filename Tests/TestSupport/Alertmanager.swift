import Foundation

/// A real Alertmanager (Debian's `prometheus-alertmanager`) on a free loopback
/// port, clustering off.
public final class Alertmanager: @unchecked Sendable {
    public let process: ChildProcess
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    public static func start() async throws -> Alertmanager {
        guard let binary = PackagePaths.which("prometheus-alertmanager") ?? PackagePaths.which("alertmanager") else {
            throw ChildProcess.Failure("prometheus-alertmanager is needed (apt install prometheus-alertmanager)")
        }
        let folder = try PackagePaths.temporaryDirectory("am")
        let config = folder.appendingPathComponent("alertmanager.yml")
        try """
        route:
          receiver: test
          group_wait: 1s
        receivers:
          - name: test
        """.write(to: config, atomically: true, encoding: .utf8)
        let (process, port) = try await ChildProcess.startServer { port in
            try ChildProcess(binary, [
                "--config.file=\(config.path)", "--storage.path=\(folder.appendingPathComponent("data-\(port)").path)",
                "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address=", "--log.level=warn",
            ], in: folder)
        }
        return Alertmanager(process: process, port: port)
    }

    private init(process: ChildProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// The alerts it currently holds: each alert's labels.
    public func alerts() async throws -> [[String: String]] {
        let response = try await HTTPFetch.fetch(url + "/api/v2/alerts")
        let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [[String: Any]] ?? []
        return json.compactMap { $0["labels"] as? [String: String] }
    }

    public func stop() { process.stop() }
}
