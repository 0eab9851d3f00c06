import Foundation

/// A real Prometheus (Debian's `prometheus` package) on a free loopback port,
/// scraping the given targets every second.
public final class Prometheus: @unchecked Sendable {
    public let process: ChildProcess
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    public static func start(
        scraping target: String, job: String = "workspaces", interval: String = "1s", timeout: String = "1s",
        extraConfig: String = "", files: [String: String] = [:]
    ) async throws -> Prometheus {
        try await start(scrapeConfigs: """
              - job_name: \(job)
                static_configs:
                  - targets: ["\(target)"]
            """, interval: interval, timeout: timeout, extraConfig: extraConfig, files: files)
    }

    /// With `scrapeConfigs`, the items of the `scrape_configs` list, as YAML indented by 2.
    public static func start(
        scrapeConfigs: String, interval: String = "1s", timeout: String = "1s", extraConfig: String = "", files: [String: String] = [:]
    ) async throws -> Prometheus {
        guard let binary = PackagePaths.which("prometheus") else {
            throw ChildProcess.Failure("prometheus is needed (apt install prometheus)")
        }
        let folder = try PackagePaths.temporaryDirectory("prom")
        let config = """
        global:
          scrape_interval: \(interval)
          scrape_timeout: \(timeout)
          evaluation_interval: 1s
        \(extraConfig)
        scrape_configs:
        \(scrapeConfigs)
        """
        for (name, text) in files {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let configURL = folder.appendingPathComponent("prometheus.yml")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        let (process, port) = try await ChildProcess.startServer { port in
            try ChildProcess(binary, [
                "--config.file=\(configURL.path)",
                "--storage.tsdb.path=\(folder.appendingPathComponent("data-\(port)").path)",
                "--web.listen-address=127.0.0.1:\(port)",
                "--log.level=warn",
            ], in: folder)
        }
        return Prometheus(process: process, port: port)
    }

    private init(process: ChildProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// One instant-query result: labels and value.
    public struct Sample: Sendable { public let labels: [String: String]; public let value: Double }

    /// Runs an instant query; throws if Prometheus reports an error.
    public func query(_ promQL: String) async throws -> [Sample] {
        var components = URLComponents(string: url + "/api/v1/query")
        components?.queryItems = [URLQueryItem(name: "query", value: promQL)]
        let encoded = (components?.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        let response = try await HTTPFetch.fetch(url + "/api/v1/query?" + encoded)
        guard let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
              json["status"] as? String == "success",
              let data = json["data"] as? [String: Any] else {
            throw ChildProcess.Failure("query \(promQL) failed: \(response.text)")
        }
        if data["resultType"] as? String == "scalar", let pair = data["result"] as? [Any], pair.count == 2, let text = pair[1] as? String {
            return [Sample(labels: [:], value: Double(text) ?? .nan)]
        }
        let results = data["result"] as? [[String: Any]] ?? []
        return results.map { result in
            let labels = result["metric"] as? [String: String] ?? [:]
            let pair = result["value"] as? [Any] ?? []
            let value = (pair.count == 2 ? pair[1] as? String : nil).flatMap(Double.init) ?? .nan
            return Sample(labels: labels, value: value)
        }
    }

    /// The single value of a query, or nil when it returns nothing.
    public func value(_ promQL: String) async throws -> Double? {
        try await query(promQL).first?.value
    }

    /// GETs an API path and returns its `data` member.
    public func api(_ path: String) async throws -> Any? {
        let response = try await HTTPFetch.fetch(url + path)
        let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        return json?["data"]
    }

    /// Polls until `promQL` returns at least one sample, or fails after `timeout`.
    public func waitFor(_ promQL: String, timeout: Duration = .seconds(60)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if let samples = try? await query(promQL), !samples.isEmpty { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw ChildProcess.Failure("\(promQL) returned nothing within \(timeout); prometheus log: \(process.stderr)")
    }

    public func stop() { process.stop() }
}
