import Foundation
import TestSupport
import Testing

/// The web config read again while the exporter runs, as exporter-toolkit does:
/// users, headers and the rate limit for the next request, TLS settings for
/// new connections, the last good settings kept while the file is invalid.
extension WebConfigTests {
    /// bcrypt of "pw" at cost 4, to keep reloads quick.
    static let bobHash = "$2y$04$D5viWpuOQB/3zoLwLDpwseD3RatuFOabX.1eUTlnXer9edayoXPnW"

    @Test func usersHeadersAndRateLimitApplyToTheNextRequest() async throws {
        let (emulator, exporter) = try await start("basic_auth_users:\n  alice: \(hash)\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n")
        defer { exporter.stop(); emulator.stop() }
        let url = "http://127.0.0.1:\(exporter.port)/-/healthy"
        let first = try await curl(["-u", "alice:s3cret", url])
        #expect(first.status == 200 && first.headers.contains("X-Frame-Options: deny"))

        _ = try certificates.writeConfig("basic_auth_users:\n  bob: \(Self.bobHash)\nhttp_server_config:\n  headers:\n    X-Frame-Options: sameorigin\nrate_limit:\n  interval: 1m\n  burst: 2\n")
        // No wait: the next request looks at the file first.
        #expect(try await curl(["-u", "alice:s3cret", url]).status == 401)
        let bob = try await curl(["-u", "bob:pw", url])
        #expect(bob.status == 200 && bob.headers.contains("X-Frame-Options: sameorigin"))
        #expect(try await curl(["-u", "bob:pw", url]).status == 429, "the new rate limit's burst of 2 is used up")
        #expect(exporter.log.contains("read the changed web config file"))

        // Invalid: the last good settings stay, said once however many requests come.
        _ = try certificates.writeConfig("basic_auth_users:\n  bob: not-a-hash\nrate_limit:\n  interval: 1m\n  burst: 2\n")
        for _ in 0..<3 { #expect(try await curl(["-u", "bob:pw", url]).status == 429) }
        try await exporter.waitForLog("the web config file is invalid")
        #expect(exporter.log.components(separatedBy: "the web config file is invalid").count - 1 == 1, "\(exporter.log)")
        #expect(!exporter.log.contains("not-a-hash"))

        _ = try certificates.writeConfig("basic_auth_users:\n  bob: \(Self.bobHash)\n")
        #expect(try await curl(["-u", "bob:pw", url]).status == 200, "rate limit gone")
        #expect(exporter.log.contains("the web config file is valid again"))
        #expect(exporter.process.isRunning)
    }

    @Test func tlsSettingsApplyToNewConnections() async throws {
        let base = "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n"
        let (emulator, exporter) = try await start(base)
        defer { exporter.stop(); emulator.stop() }
        let port = exporter.port
        let url = "https://127.0.0.1:\(port)/-/healthy"
        let ca = ["--cacert", certificates.path("ca.pem")]
        #expect(try await python(port: port, maxVersion: "TLSv1_2").hasSuffix(" 200"))

        // Versions.
        _ = try certificates.writeConfig(base + "  min_version: TLS13\n")
        try await exporter.waitForLog("read the changed web config file", count: 1)
        #expect(try await python(port: port, maxVersion: "TLSv1_2").hasPrefix("fail"))
        #expect(try await python(port: port).hasPrefix("ok TLSv1.3"))

        // Client authentication.
        _ = try certificates.writeConfig(base + "  client_ca_file: ca.pem\n  client_auth_type: RequireAndVerifyClientCert\n")
        try await exporter.waitForLog("read the changed web config file", count: 2)
        #expect(try await curl(ca + [url]).status == 0)
        #expect(try await curl(ca + with("client") + [url]).status == 200)

        // Another certificate.
        let renewed = try await fingerprint(file: certificates.path("server-renewed.pem"))
        _ = try certificates.writeConfig("tls_server_config:\n  cert_file: server-renewed.pem\n  key_file: server-renewed.key\n")
        try await exporter.waitForLog("read the changed web config file", count: 3)
        #expect(try await fingerprint(port: port) == renewed)
        #expect(try await curl(ca + [url]).status == 200, "client certificates no longer asked for")

        // TLS cannot be turned off while running: HTTPS goes on, the log says why.
        _ = try certificates.writeConfig("http_server_config:\n  headers:\n    X-Frame-Options: deny\n")
        try await exporter.waitForLog("read the changed web config file", count: 4)
        let still = try await curl(ca + [url])
        #expect(still.status == 200 && still.headers.contains("X-Frame-Options: deny"))
        #expect(exporter.log.contains("which cannot change while the server runs"))

        // An invalid TLS section keeps the last good settings.
        _ = try certificates.writeConfig(base + "  cipher_suites: [TLS_NOPE]\n")
        try await exporter.waitForLog("the web config file is invalid")
        #expect(try await curl(ca + [url]).status == 200)
        #expect(exporter.log.contains("cipher_suites: unknown cipher suite"))
    }

    /// Reading a changed file costs no bcrypt (hashes are checked by their
    /// form), however costly its hashes: the first request after the change
    /// waits for it and is served under the new settings. Before, the file's
    /// hashes were each hashed twice and a decoy made at the highest cost,
    /// so every request waited its full second for seconds after a change.
    @Test func aReloadWithCostlyHashesIsReadAtOnce() async throws {
        let (emulator, exporter) = try await start("basic_auth_users:\n  alice: \(hash)\n")
        defer { exporter.stop(); emulator.stop() }
        let url = "http://127.0.0.1:\(exporter.port)/-/healthy"
        #expect(try await curl(["-u", "alice:s3cret", url]).status == 200)
        // bcrypt at cost 17: seconds of checking on this machine.
        let carol = "$2y$17$PDMuG70mSi6pvQy7bJhSru./MSaF0iFXFc4NAuO9S3WzOSwQ02Pli"
        _ = try certificates.writeConfig("basic_auth_users:\n  alice: \(hash)\n  carol: \(carol)\n")
        #expect(try await curl(["-u", "alice:s3cret", url]).status == 200)
        // That request was served after the new file was read.
        #expect(exporter.log.contains("read the changed web config file"), "\(exporter.log)")
    }
}
