public import Foundation
import Support

/// `Tests/Fixtures/sso_server.py`: IAM Identity Center's portal
/// (`GetRoleCredentials`) and OIDC service (`CreateToken`) on loopback.
public final class SSOServer: @unchecked Sendable {
    public let process: ChildProcess
    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }

    /// The environment that sends both SSO services to this server.
    public var environment: [String: String] {
        ["AWS_ENDPOINT_URL_SSO": url, "AWS_ENDPOINT_URL_SSO_OIDC": url]
    }

    public static func start(_ arguments: [String]) async throws -> SSOServer {
        let script = PackagePaths.root.appendingPathComponent("Tests/Fixtures/sso_server.py").path
        let python = PackagePaths.which("python3") ?? "/usr/bin/python3"
        let (process, port) = try await ChildProcess.startServer(timeout: .seconds(30)) { port in
            try ChildProcess(python, [script, "--port", String(port)] + arguments)
        }
        return SSOServer(process: process, port: port)
    }

    private init(process: ChildProcess, port: Int) {
        self.process = process
        self.port = port
    }

    public struct Stats: Sendable {
        public let getRoleCredentials: Int
        public let createToken: Int
        public let refused: Int
        /// Calls answered with `--fail-first`'s failure.
        public let failed: Int
    }

    public func stats() async throws -> Stats {
        let response = try await HTTPFetch.fetch(url + "/stats")
        let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:]
        return Stats(getRoleCredentials: json["GetRoleCredentials"] as? Int ?? -1, createToken: json["CreateToken"] as? Int ?? -1, refused: json["refused"] as? Int ?? -1,
                     failed: json["failed"] as? Int ?? -1)
    }

    public func stop() { process.stop() }
}

/// A home folder with `~/.aws/config` and the SSO token cache, as
/// `aws configure sso` and `aws sso login` leave them.
public struct SSOHome: Sendable {
    /// `~/.aws/config` of the SSO tests: `dev` with the session `corp`, a
    /// legacy profile, and three broken ones.
    public static let sampleConfig = """
        [profile dev]
        sso_session = corp
        sso_account_id = 123456789012
        sso_role_name = ReadOnly
        region = us-east-1

        [sso-session corp]
        sso_start_url = https://corp.awsapps.com/start
        sso_region = us-east-1
        sso_registration_scopes = sso:account:access

        [profile legacy]
        sso_start_url = https://legacy.awsapps.com/start
        sso_region = us-east-1
        sso_account_id = 123456789012
        sso_role_name = ReadOnly

        [profile nosession]
        sso_session = missing
        sso_account_id = 123456789012
        sso_role_name = ReadOnly

        [profile clash]
        sso_session = corp
        sso_region = eu-west-1
        sso_account_id = 123456789012
        sso_role_name = ReadOnly

        [profile incomplete]
        sso_account_id = 123456789012
        sso_role_name = ReadOnly
        sso_region = us-east-1
        """

    public let home: URL
    public var config: URL { home.appendingPathComponent(".aws/config") }
    public var cache: URL { home.appendingPathComponent(".aws/sso/cache") }

    public init(config text: String) throws {
        home = try PackagePaths.temporaryDirectory("ssohome")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        try text.write(to: config, atomically: true, encoding: .utf8)
    }

    /// The cache file of a session name (or, for a legacy profile, a start URL): SHA-1 of it.
    public func cacheFile(_ key: String) throws -> URL {
        let hex = try sha1Hex(key)
        return cache.appendingPathComponent("\(hex).json")
    }

    /// Writes a cached token as the CLI does.
    public func writeToken(_ key: String, _ members: [String: String]) throws {
        let data = try JSONSerialization.data(withJSONObject: members, options: [.sortedKeys])
        try data.write(to: try cacheFile(key))
    }

    public func readToken(_ key: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: try cacheFile(key))) as? [String: Any] ?? [:]
    }

    /// A UTC time `offset` seconds from now, as the CLI writes it.
    public static func time(_ offset: TimeInterval) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date().addingTimeInterval(offset))
    }

    /// The environment that makes the SDKs (and the exporter) use this home.
    public func environment(profile: String) -> [String: String] {
        ["HOME": home.path, "AWS_CONFIG_FILE": config.path, "AWS_SHARED_CREDENTIALS_FILE": home.appendingPathComponent(".aws/credentials").path,
         "AWS_PROFILE": profile, "AWS_EC2_METADATA_DISABLED": "true"]
    }

    private func sha1Hex(_ text: String) throws -> String {
        Digest.hex(Digest.sha1(Array(text.utf8)))
    }
}
