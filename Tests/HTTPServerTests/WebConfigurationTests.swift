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
        #expect(configuration.tls?.priorities.string == "NORMAL:-VERS-ALL:+VERS-TLS1.3:%SERVER_PRECEDENCE")
        #expect(configuration.basicAuth != nil)
        #expect(configuration.headers.map(\.name) == ["X-Frame-Options", "Strict-Transport-Security"])
    }

    @Test func differentBcryptCostsAreWarnedAbout() throws {
        let bob = "$2y$06$JRIa9U0KaKCGPEhw6AlyjOtNZS4WQY271r/NjoJylbbeqDcDPQ/Dm"
        let mixed = try load("basic_auth_users:\n  alice: \(Self.hash)\n  bob: \(bob)\n")
        #expect(mixed.warnings.count == 1 && mixed.warnings[0].contains("4, 6"))
        #expect(try load("basic_auth_users:\n  alice: \(Self.hash)\n").warnings.isEmpty)
    }

    @Test func http2OffIsAcceptedAndOnIsWarnedAbout() throws {
        let off = try load("http_server_config:\n  http2: false\n")
        #expect(off.headers.isEmpty && off.warnings.isEmpty)
        let on = try load("http_server_config:\n  http2: true\n")
        #expect(on.warnings.count == 1 && on.warnings[0].contains("HTTP/1.1 only"))
    }

    @Test func everyToolkitFieldLoads() throws {
        let pem = try String(contentsOfFile: certificates.path("server.pem"), encoding: .utf8)
        let key = try String(contentsOfFile: certificates.path("server.key"), encoding: .utf8)
        let ca = try String(contentsOfFile: certificates.path("ca.pem"), encoding: .utf8)
        func indented(_ text: String) -> String { text.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n") }
        let configuration = try load("""
        tls_server_config:
          cert: |
        \(indented(pem))
          key: |
        \(indented(key))
          client_ca: |
        \(indented(ca))
          client_auth_type: VerifyClientCertIfGiven
          client_allowed_sans: [client.test, "10.0.0.7"]
          min_version: TLS12
          max_version: TLS13
          cipher_suites:
            - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
            - TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
            - TLS_AES_128_GCM_SHA256
          curve_preferences: [X25519, CurveP256, CurveP384, CurveP521]
          prefer_server_cipher_suites: false
        http_server_config:
          http2: false
          headers:
            Content-Security-Policy: default-src 'self'
            X-Content-Type-Options: nosniff
            X-XSS-Protection: "1; mode=block"
        rate_limit:
          interval: 1m30s
          burst: 20
        """)
        let tls = try #require(configuration.tls)
        #expect(tls.files == nil, "an inline pair is not reloaded from files")
        #expect(tls.clientAuth == .verifyClientCertIfGiven)
        #expect(tls.allowedSANs == ["client.test", "10.0.0.7"])
        #expect(tls.priorities.string == "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:+ECDHE-ECDSA:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:-MAC-ALL:+AEAD:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:+GROUP-SECP521R1")
        #expect(configuration.warnings.contains { $0.contains("TLS_AES_128_GCM_SHA256") })
        #expect(configuration.rateLimit == RateLimiter.Settings(interval: .seconds(90), burst: 20))
        #expect(configuration.headers.map(\.name) == ["Content-Security-Policy", "X-Content-Type-Options", "X-XSS-Protection"])
    }

    @Test(arguments: ["RequestClientCert", "RequireAnyClientCert", "RequireClientCert"])
    func unverifiedClientAuthNeedsNoCA(_ type: String) throws {
        let configuration = try load("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: \(type)\n")
        #expect(configuration.tls?.clientAuth == (type == "RequestClientCert" ? .requestClientCert : .requireAnyClientCert))
    }

    /// Go verifies against the system's roots when no client CA is given: accepted, with a warning.
    @Test(arguments: ["VerifyClientCertIfGiven", "RequireAndVerifyClientCert"])
    func verifiedClientAuthWithoutCAUsesTheSystemRoots(_ type: String) throws {
        let configuration = try load("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: \(type)\n")
        let tls = try #require(configuration.tls)
        #expect(tls.clientCA == nil && tls.verifiesAgainstSystemRoots)
        #expect(configuration.warnings.contains { $0.contains("system's trusted CAs") })
        let withCA = try load("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_ca_file: ca.pem\n  client_auth_type: \(type)\n")
        #expect(withCA.tls?.verifiesAgainstSystemRoots == false)
    }

    @Test func aZeroIntervalTurnsTheRateLimitOffAndBurstZeroIsWarnedAbout() throws {
        #expect(try load("rate_limit:\n  interval: 0\n  burst: 5\n").rateLimit == nil)
        let zero = try load("rate_limit:\n  interval: 500ms\n  burst: 0\n")
        #expect(zero.rateLimit == RateLimiter.Settings(interval: .milliseconds(500), burst: 0))
        #expect(zero.warnings.contains { $0.contains("429") })
        // Go's YAML reads a bare number as nanoseconds.
        #expect(try load("rate_limit:\n  interval: 1000000\n  burst: 1\n").rateLimit?.interval == .milliseconds(1))
    }

    @Test func aTLSSectionWithoutCertificateOrClientAuthServesPlainHTTP() throws {
        let configuration = try load("tls_server_config:\n  min_version: TLS13\n")
        #expect(configuration.tls == nil)
        #expect(configuration.warnings.contains { $0.contains("TLS is off") })
    }

    @Test func anInlineKeyIsNeverEchoed() throws {
        let error = try #require(refusal("tls_server_config:\n  cert_file: server.pem\n  key: not-a-real-key-SECRETVALUE\n"))
        #expect(error.description.contains("cert"))
        #expect(!error.description.contains("SECRETVALUE"))
    }

    @Test func anEmptyFileMeansPlainHTTP() throws {
        let configuration = try load("# nothing here\n")
        #expect(configuration.tls == nil && configuration.basicAuth == nil && configuration.headers.isEmpty)
    }

    @Test(arguments: [
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  cert_fil: x\n", 4, "unknown field \"cert_fil\""),
        ("basic_auth_users:\n  alice: plaintext\n", 2, "not a bcrypt hash"),
        ("tls_server_config:\n  cert_file: missing.pem\n  key_file: server.key\n", 2, "cannot be read"),
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: client.key\n", 2, "do not load"),
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_auth_type: Sometimes\n", 4, "client_auth_type \"Sometimes\""),
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  client_ca_file: ca.pem\n", 4, "without a client_auth_type"),
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  cipher_suites: [TLS_FOO]\n", 4, "cipher_suites: unknown cipher suite \"TLS_FOO\""),
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  cipher_suites:\n    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n    - TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\n", 4, "would also allow"),
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA]\n", 4, "no TLS 1.3 cipher"),
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  curve_preferences: [X25519MLKEM768]\n", 4, "unknown curve \"X25519MLKEM768\""),
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  prefer_server_cipher_suites: maybe\n", 4, "must be true or false"),
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  min_version: TLS13\n  max_version: TLS12\n", 4, "above max_version"),
        ("rate_limit:\n  interval: -1s\n  burst: 2\n", 2, "must not be negative"),
        ("rate_limit:\n  interval: 1s\n  burst: -2\n", 3, "must not be negative"),
        ("rate_limit:\n  interval: 3000000h\n  burst: 2\n", 2, "not a duration"),
        ("rate_limit:\n  interval: soon\n", 2, "not a duration"),
        ("rate_limit:\n  interval: 1s\n  burst: 99999999999999999999\n", 3, "whole number"),
        ("rate_limit:\n  every: 1s\n", 2, "unknown field \"every\" in rate_limit"),
        ("http_server_config:\n  headers:\n    X-Frame-Options: allow\n", 3, "must be one of deny, sameorigin"),
        ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  min_version: TLS14\n", 4, "TLS14"),
        ("http_server_config:\n  headers:\n    Set-Cookie: x\n", 3, "may not be set"),
        ("tls_server_config:\n  key_file: server.key\n", 1, "needs cert_file"),
        ("tls_server_config: [\n", 2, "not valid YAML"),
        ("basic_auth_users:\n  alice: \(hash)\n  alice: \(hash)\n", 3, "duplicated key"),
        ("listen: 1\n", 1, "unknown field \"listen\""),
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

    /// Loading users costs no bcrypt: a hash at cost 31 (days of work to
    /// check) loads at once, both through the web config loader and the
    /// authenticator, and its decoy is of the same cost. Before, each hash was
    /// hashed twice and the decoy made fresh, so a reload with new users held
    /// requests up. The time limit is what fails if bcrypt runs.
    @Test(.timeLimit(.minutes(1))) func loadingUsersRunsNoBcrypt() throws {
        let costly = "$2y$31$JRIa9U0KaKCGPEhw6AlyjOtNZS4WQY271r/NjoJylbbeqDcDPQ/Dm"
        let authenticator = try BasicAuthenticator(users: ["alice": costly, "bob": WebConfigurationTests.hash])
        #expect(authenticator.dummyHash.hasPrefix("$2b$31$"))
        let path = try PackagePaths.temporaryDirectory("web").appendingPathComponent("web.yml").path
        try "basic_auth_users:\n  alice: \(costly)\n".write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try WebConfiguration.load(path: path)
        #expect(configuration.basicAuth?.users["alice"] == costly)
        // Malformed hashes are still refused by their form.
        for bad in ["$2y$04$tooShort", "$2y$04$" + String(repeating: "!", count: 53), "$2y$32$" + String(repeating: "a", count: 53), "$2x$04$" + String(repeating: "a", count: 53)] {
            #expect(throws: BasicAuthenticator.HashProblem.self) { try BasicAuthenticator.check(bad) }
        }
        // And the decoy verifies no password, at the cost it names.
        #expect(!BasicAuthenticator.verify(password: "not a password", hash: BasicAuthenticator.dummy(cost: 4)))
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

/// The web-config fuzz corpus reaches what it names: seeds with inline
/// certificate and key pairs load (`Tests/Fuzz/make_web_config_seeds.py`), so
/// mutations get past the key-pair check to suites, curves, versions and
/// client settings.
@Suite struct WebConfigFuzzCorpusTests {
    @Test func seedsWithInlinePairsLoadTheirTLSSettings() throws {
        let folder = PackagePaths.root.appendingPathComponent("Tests/Fuzz/Corpus/web-config")
        var loaded = 0, withSuites = 0, withClientCA = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let text = String(decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self)
            guard text.contains("BEGIN CERTIFICATE"), let configuration = try? WebConfiguration.parse(text, path: "/nonexistent/web.yml"),
                  let tls = configuration.tls else { continue }
            loaded += 1
            #expect(tls.priorities.problem() == nil, "\(name): \(tls.priorities.string)")
            if text.contains("cipher_suites") { withSuites += 1 }
            if text.contains("client_ca:") { withClientCA += 1 }
        }
        #expect(loaded >= 4 && withSuites >= 2 && withClientCA >= 1, "\(loaded) seeds loaded TLS, \(withSuites) with suites, \(withClientCA) with a client CA")
    }
}
