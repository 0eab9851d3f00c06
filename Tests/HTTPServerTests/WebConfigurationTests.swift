import Foundation
import TestSupport
import Testing
@testable import HTTPServer

/// Loading `--web.config.file`: what is accepted, and that every refusal names
/// the file, the line and the problem.
@Suite struct WebConfigurationTests {
    let certificates: TestCertificates
    /// bcrypt of "secret" at cost 4 (htpasswd -nbBC 4), to keep the tests fast.
    static let hash = "$2y$04$xFexTl9DrGRUCvQPmd/.3OIFngdNOS.kTo6eLd1NcDt0A36VF2sqO"

    init() async throws {
        certificates = try await TestCertificates.make()
    }

    func load(_ yaml: String) throws(WebConfigurationError) -> WebConfiguration {
        let path: String
        do { path = try certificates.writeConfig(yaml) } catch { throw WebConfigurationError(file: "-", line: nil, problem: "\(error)") }
        return try WebConfiguration.load(path: path)
    }

    func refusal(_ yaml: String) -> WebConfigurationError? {
        do {
            _ = try load(yaml)
            return nil
        } catch {
            return error
        }
    }

    @Test func acceptsTheFullFormatWithRelativePaths() throws {
        let configuration = try load("""
        tls_server_config:
          cert_file: server.pem
          key_file: server.key
          client_ca_file: ca.pem
          client_auth_type: RequireAndVerifyClientCert
          min_version: TLS13
        basic_auth_users:
          alice: \(Self.hash)
        http_server_config:
          headers:
            X-Frame-Options: deny
            strict-transport-security: max-age=31536000
        """)
        #expect(configuration.tls?.clientAuth == .requireAndVerifyClientCert)
        #expect(configuration.tls?.priorities == "NORMAL:-VERS-ALL:+VERS-TLS1.3")
        #expect(configuration.basicAuth != nil)
        #expect(configuration.headers.map(\.name) == ["X-Frame-Options", "Strict-Transport-Security"])
    }

    @Test func differentBcryptCostsAreWarnedAbout() throws {
        let bob = "$2y$06$JRIa9U0KaKCGPEhw6AlyjOtNZS4WQY271r/NjoJylbbeqDcDPQ/Dm"
        let mixed = try load("basic_auth_users:\n  alice: \(Self.hash)\n  bob: \(bob)\n")
        #expect(mixed.warnings.count == 1 && mixed.warnings[0].contains("4, 6"))
        #expect(try load("basic_auth_users:\n  alice: \(Self.hash)\n").warnings.isEmpty)
    }

    @Test func http2OffIsAccepted() throws {
        #expect(try load("http_server_config:\n  http2: false\n").headers.isEmpty)
    }

    @Test func anEmptyFileMeansPlainHTTP() throws {
        let configuration = try load("# nothing here\n")
        #expect(configuration.tls == nil && configuration.basicAuth == nil && configuration.headers.isEmpty)
    }

    @Test(arguments: [
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  cert_fil: x\n", 4, "unknown field \"cert_fil\""),
        ("basic_auth_users:\n  alice: plaintext\n", 2, "not a bcrypt hash"),
        ("tls_server_config:\n  cert_file: missing.pem\n  key_file: server.key\n", 2, "cannot be read"),
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: client.key\n", 1, "do not load"),
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n", 4, "needs client_ca_file"),
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: RequireAnyClientCert\n", 4, "not supported"),
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  min_version: TLS14\n", 4, "TLS14"),
        ("http_server_config:\n  headers:\n    Set-Cookie: x\n", 3, "may not be set"),
        ("tls_server_config:\n  key_file: server.key\n", 1, "needs cert_file"),
        ("tls_server_config: [\n", 2, "not valid YAML"),
        ("basic_auth_users:\n  alice: \(hash)\n  alice: \(hash)\n", 3, "duplicated key"),
        ("listen: 1\n", 1, "unknown field \"listen\""),
        ("http_server_config:\n  http2: true\n", 2, "HTTP/2 is not supported"),
    ] as [(String, Int, String)])
    func refusesWithFileLineAndProblem(yaml: String, line: Int, problem: String) throws {
        let error = try #require(refusal(yaml))
        #expect(error.file.hasSuffix("web.yml"))
        #expect(error.line == line, "\(error)")
        #expect(error.description.contains(problem), "\(error)")
        #expect(error.description.contains("web.yml"))
    }

    @Test func aBadHashIsNotEchoed() throws {
        let error = try #require(refusal("basic_auth_users:\n  alice: $2y$04$tooShort\n"))
        #expect(!error.description.contains("tooShort"))
    }

    @Test func unreadableFileNamesIt() {
        #expect(throws: WebConfigurationError.self) { try WebConfiguration.load(path: "/nonexistent/web.yml") }
    }
}

/// bcrypt verification through libxcrypt, and the unknown-user decoy.
@Suite struct BasicAuthenticatorTests {
    static func header(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }

    @Test func verifiesPasswordsAgainstHtpasswdHashes() async throws {
        let authenticator = try BasicAuthenticator(users: ["alice": WebConfigurationTests.hash])
        #expect(await authenticator.authorize(Self.header("alice", "secret")) == .allowed)
        // Remembered after the first success, and still right.
        #expect(await authenticator.authorize(Self.header("alice", "secret")) == .allowed)
        #expect(await authenticator.authorize(Self.header("alice", "Secret")) == .denied)
        #expect(await authenticator.authorize(Self.header("bob", "secret")) == .denied)
        #expect(await authenticator.authorize(nil) == .denied)
        #expect(await authenticator.authorize("Bearer abc") == .denied)
        #expect(await authenticator.authorize("Basic !!!not-base64") == .denied)
        #expect(await authenticator.authorize("Basic " + Data("no-colon".utf8).base64EncodedString()) == .denied)
        // A NUL would cut the password short in crypt_r: refused, as Go's bcrypt does.
        #expect(await authenticator.authorize(Self.header("alice", "secret\u{0}junk")) == .denied)
        #expect(await authenticator.authorize(Self.header("alice\u{0}x", "secret")) == .denied)
    }

    @Test func unknownUsersAreCheckedAgainstADecoyOfTheSameCost() throws {
        let authenticator = try BasicAuthenticator(users: ["alice": WebConfigurationTests.hash, "bob": "$2y$06$JRIa9U0KaKCGPEhw6AlyjOtNZS4WQY271r/NjoJylbbeqDcDPQ/Dm"])
        #expect(BasicAuthenticator.cost(authenticator.dummyHash) == 6)
        #expect(authenticator.dummyHash.hasPrefix("$2b$06$"))
    }

    @Test func htpasswdHashesVerify() async throws {
        let htpasswd = try #require(PackagePaths.which("htpasswd"), "htpasswd (apache2-utils) is installed by scripts/deps.sh test")
        let (status, output) = try await runCommand(htpasswd, ["-nbBC", "5", "carol", "p@ss:word"])
        #expect(status == 0)
        let hash = String(output.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(BasicAuthenticator.verify(password: "p@ss:word", hash: hash))
        #expect(!BasicAuthenticator.verify(password: "p@ss:wore", hash: hash))
    }
}
