import Foundation
import TestSupport
import Testing

/// `--web.config.file` on the real binary, checked with curl: TLS, client
/// certificates, basic authentication, headers, and start-up refusals.
@Suite(.timeLimit(.minutes(3)))
struct WebConfigTests {
    let certificates: TestCertificates
    /// bcrypt of "s3cret" (htpasswd -nbBC 10 alice s3cret): the cost a real deployment would use.
    let hash: String
    /// TLS that requires a client certificate the tests' CA signed.
    static let verifiedClients = """
        tls_server_config:
          cert_file: server.pem
          key_file: server.key
          client_ca_file: ca.pem
          client_auth_type: RequireAndVerifyClientCert
        """

    init() async throws {
        certificates = try await TestCertificates.make()
        let htpasswd = try #require(PackagePaths.which("htpasswd"), "htpasswd (apache2-utils) is installed by scripts/deps.sh test")
        let (status, output) = try await runCommand(htpasswd, ["-nbBC", "10", "alice", "s3cret"])
        guard status == 0 else { throw ChildProcess.Failure("htpasswd failed: \(output)") }
        hash = String(output.split(separator: ":", maxSplits: 1)[1]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// curl's exit status, the HTTP status it saw (0 when none), and the response headers.
    func curl(_ arguments: [String]) async throws -> (exit: Int32, status: Int, headers: String) {
        let headersFile = certificates.directory.appendingPathComponent("headers-\(UUID().uuidString)").path
        let (exit, output) = try await runCommand(
            PackagePaths.which("curl") ?? "/usr/bin/curl",
            ["-sS", "-o", "/dev/null", "-D", headersFile, "-w", "%{http_code}", "--max-time", "20"] + arguments)
        let status = Int(output.suffix(3)) ?? 0
        return (exit, status, (try? String(contentsOfFile: headersFile, encoding: .utf8)) ?? "")
    }

    /// An emulator, and the exporter in front of it with `yaml` as its web config.
    func start(_ yaml: String, extra: [String] = []) async throws -> (Emulator, Exporter) {
        let config = try certificates.writeConfig(yaml)
        let emulator = try await Emulator.start(images: 3)
        do {
            let exporter = try await Exporter.start(
                ["--aws.region", "us-east-1", "--aws.endpoint-url", emulator.url, "--web.config.file", config] + extra,
                environment: emulatorCredentials)
            return (emulator, exporter)
        } catch {
            emulator.stop()
            throw error
        }
    }

    @Test func tlsServesWithATrustedCertificate() async throws {
        let (emulator, exporter) = try await start("""
        tls_server_config:
          cert_file: server.pem
          key_file: server.key
        http_server_config:
          headers:
            Strict-Transport-Security: max-age=31536000
        """)
        defer { exporter.stop(); emulator.stop() }
        let url = "https://127.0.0.1:\(exporter.port)/metrics"
        let good = try await curl(["--cacert", certificates.path("ca.pem"), url])
        #expect(good.exit == 0 && good.status == 200)
        #expect(good.headers.contains("Strict-Transport-Security: max-age=31536000"))
        // TLS 1.2 and 1.3 by default.
        #expect(try await curl(["--cacert", certificates.path("ca.pem"), "--tlsv1.2", "--tls-max", "1.2", url]).status == 200)
        // A client that does not trust the CA refuses the server.
        #expect(try await curl([url]).exit == 60)
        // Plain HTTP to the TLS port gets no HTTP answer.
        #expect(try await curl(["http://127.0.0.1:\(exporter.port)/metrics"]).status == 0)
        #expect(exporter.process.isRunning)
    }

    /// SHA-256 of the certificate the server presents, or of a PEM file, by Python's ssl module.
    func fingerprint(port: Int? = nil, file: String? = nil) async throws -> String {
        let script = """
        import hashlib, ssl, sys
        pem = ssl.get_server_certificate(("127.0.0.1", int(sys.argv[1]))) if sys.argv[1] != "-" else open(sys.argv[2]).read()
        print(hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest())
        """
        let (status, output) = try await runCommand(PackagePaths.which("python3") ?? "/usr/bin/python3",
                                                    ["-c", script, port.map(String.init) ?? "-", file ?? ""])
        guard status == 0 else { throw ChildProcess.Failure("fingerprint: \(output)") }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// As exporter-toolkit: renewed cert_file and key_file are served without a restart; a
    /// pair that does not load (the certificate changed, its key not yet) keeps the last good one.
    @Test func aRenewedCertificateIsServedWithoutARestart() async throws {
        let directory = certificates.directory
        // New files moved into place, as cert-manager and certbot do.
        func install(_ name: String, _ extensions: [String] = ["pem", "key"]) throws {
            for ext in extensions {
                let staged = directory.appendingPathComponent("tls.\(ext).new")
                try? FileManager.default.removeItem(at: staged)
                try FileManager.default.copyItem(atPath: certificates.path("\(name).\(ext)"), toPath: staged.path)
                guard rename(staged.path, directory.appendingPathComponent("tls.\(ext)").path) == 0 else { throw POSIXError(.EIO) }
            }
        }
        try install("server")
        let (emulator, exporter) = try await start("tls_server_config:\n  cert_file: tls.pem\n  key_file: tls.key\n")
        defer { exporter.stop(); emulator.stop() }
        let url = "https://127.0.0.1:\(exporter.port)/metrics"
        let original = try await fingerprint(file: certificates.path("server.pem"))
        let renewed = try await fingerprint(file: certificates.path("server-renewed.pem"))
        #expect(try await fingerprint(port: exporter.port) == original)

        try install("server-renewed")
        // The files are looked at once a second: wait for the reload's log line.
        try await exporter.waitForLog("serving the TLS certificate read again", count: 1)
        #expect(try await fingerprint(port: exporter.port) == renewed)
        #expect(try await curl(["--cacert", certificates.path("ca.pem"), url]).status == 200)
        #expect(exporter.log.contains("serving the TLS certificate read again"), "\(exporter.log)")

        // The certificate changes, its key does not come: the renewed pair stays, said once.
        try install("server", ["pem"])
        try await exporter.waitForLog("do not load; the previous ones stay in service")
        for _ in 0..<3 {
            #expect(try await fingerprint(port: exporter.port) == renewed)
        }
        #expect(try await curl(["--cacert", certificates.path("ca.pem"), url]).status == 200)
        let complaints = exporter.log.components(separatedBy: "do not load; the previous ones stay in service").count - 1
        #expect(complaints == 1, "\(exporter.log)")

        // The key follows: the pair loads again.
        try install("server", ["key"])
        try await exporter.waitForLog("serving the TLS certificate read again", count: 2)
        #expect(try await fingerprint(port: exporter.port) == original)

        // Files rewritten the same are not loaded again (each load is kept for the server's life).
        func reloads() -> Int { exporter.log.components(separatedBy: "serving the TLS certificate read again").count - 1 }
        let before = reloads()
        try install("server")
        try await Task.sleep(for: .milliseconds(1200))
        #expect(try await fingerprint(port: exporter.port) == original)
        #expect(reloads() == before, "\(exporter.log)")
    }

    @Test func minVersionIsEnforced() async throws {
        let (emulator, exporter) = try await start("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  min_version: TLS13\n")
        defer { exporter.stop(); emulator.stop() }
        let url = "https://127.0.0.1:\(exporter.port)/-/healthy"
        #expect(try await curl(["--cacert", certificates.path("ca.pem"), "--tlsv1.3", url]).status == 200)
        let old = try await curl(["--cacert", certificates.path("ca.pem"), "--tlsv1.2", "--tls-max", "1.2", url])
        #expect(old.exit != 0 && old.status == 0)
    }

    @Test func anExpiredServerCertificateIsRefusedByClients() async throws {
        let (emulator, exporter) = try await start("tls_server_config:\n  cert_file: server-expired.pem\n  key_file: server-expired.key\n")
        defer { exporter.stop(); emulator.stop() }
        let result = try await curl(["--cacert", certificates.path("ca.pem"), "https://127.0.0.1:\(exporter.port)/metrics"])
        #expect(result.exit == 60, "curl: certificate problem (expired)")
    }

    @Test func clientCertificatesRequiredAndVerified() async throws {
        let (emulator, exporter) = try await start("""
        \(Self.verifiedClients)
        http_server_config:
          headers:
            X-Frame-Options: deny
        """, extra: ["--log.level", "debug"])
        defer { exporter.stop(); emulator.stop() }
        let url = "https://127.0.0.1:\(exporter.port)/metrics"
        let ca = ["--cacert", certificates.path("ca.pem")]
        func with(_ name: String) -> [String] { ["--cert", certificates.path("\(name).pem"), "--key", certificates.path("\(name).key")] }
        let good = try await curl(ca + with("client") + [url])
        #expect(good.status == 200)
        #expect(good.headers.contains("X-Frame-Options: deny"))
        // Refused at the handshake, as Go does: no HTTP answer at all.
        let missing = try await curl(ca + [url])
        #expect(missing.status == 0 && missing.exit != 0, "no client certificate")
        #expect(try await curl(ca + with("client-expired") + [url]).status == 0, "expired client certificate")
        #expect(try await curl(ca + with("client-untrusted") + [url]).status == 0, "certificate from another CA")
        #expect(exporter.log.contains("refused a TLS client at the handshake"))
        #expect(try await curl(ca + with("client") + [url]).status == 200, "still serving")
    }

    /// An idle exporter with a web config starts no thread: the sweeper
    /// looks at the file's stamp and starts the reading thread only when it
    /// changed (before, it started one every 250 ms). Counted with strace
    /// over 2 s; a change of the file then does start one.
    @Test func anIdleExporterWithAWebConfigStartsNoThread() async throws {
        let strace = try #require(PackagePaths.which("strace"), "strace is installed by scripts/deps.sh test")
        let (emulator, exporter) = try await start("basic_auth_users:\n  alice: \(hash)\n")
        defer { emulator.stop(); exporter.stop() }
        let output = certificates.directory.appendingPathComponent("strace.txt").path
        let tracer = try ChildProcess(strace, ["-f", "-e", "trace=clone,clone3", "-o", output, "-p", String(exporter.process.pid)])
        defer { tracer.stop() }
        try await waitUntil(timeout: .seconds(20)) { tracer.stderr.contains("attached") }
        func clones() -> Int {
            let trace = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            return trace.split(separator: "\n").filter { $0.contains("clone") && !$0.contains("resumed") }.count
        }
        try await Task.sleep(for: .seconds(2))
        #expect(clones() == 0, "an idle exporter started threads")
        // A changed file is read on a thread of its own, started by the next request.
        _ = try certificates.writeConfig("basic_auth_users:\n  alice: \(hash)\n  bob: \(hash)\n")
        _ = try await curl(["-u", "alice:s3cret", "http://127.0.0.1:\(exporter.port)/-/healthy"])
        try await waitUntil(timeout: .seconds(10)) { clones() >= 1 }
        #expect(exporter.process.isRunning)
    }

    @Test func basicAuthGoodBadAndUnknown() async throws {
        let (emulator, exporter) = try await start("basic_auth_users:\n  alice: \(hash)\n", extra: ["--log.level", "debug"])
        defer { exporter.stop(); emulator.stop() }
        let url = "http://127.0.0.1:\(exporter.port)/metrics"
        #expect(try await curl(["-u", "alice:s3cret", url]).status == 200)
        #expect(try await curl(["-u", "alice:s3cret", url]).status == 200, "remembered, still right")
        for credentials in ["alice:wrong", "mallory:s3cret", "alice:", ":s3cret"] {
            let refused = try await curl(["-u", credentials, url])
            #expect(refused.status == 401, "\(credentials)")
            #expect(refused.headers.contains("WWW-Authenticate: Basic"))
        }
        #expect(try await curl([url]).status == 401)
        #expect(try await curl(["http://127.0.0.1:\(exporter.port)/"]).status == 401, "the landing page too")
        // Neither the passwords nor the Authorization header reach the log.
        let log = exporter.log
        let encoded = Data("alice:s3cret".utf8).base64EncodedString()
        #expect(!log.contains("s3cret") && !log.contains(encoded) && !log.contains("wrong"))
        #expect(!log.lowercased().contains("authorization"))
    }

    @Test func badConfigStopsStartUpNamingFileLineAndProblem() async throws {
        let directory = certificates.directory.path
        for (yaml, expected) in [
            ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  bogus: 1\n", "line 4: unknown field \\\"bogus\\\""),
            ("tls_server_config:\n  cert_file: \(directory)\n  key_file: server.key\n", "line 2: cert_file \(directory) cannot be read"),
            ("tls_server_config:\n  cert_file: missing.pem\n  key_file: server.key\n", "missing.pem cannot be read"),
            ("basic_auth_users:\n  alice: hunter2\n", "line 2: the password of alice is not a bcrypt hash"),
            ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n",
             "line 4: cipher_suites: unknown cipher suite \\\"TLS_RSA_WITH_RC4_128_SHA\\\""),
            ("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n  curve_preferences: [X25519MLKEM768]\n",
             "line 4: curve_preferences: unknown curve"),
            ("rate_limit:\n  interval: -5s\n  burst: 1\n", "line 2: rate_limit.interval must not be negative"),
        ] {
            let config = try certificates.writeConfig(yaml, name: "bad.yml")
            let process = try ChildProcess(
                PackagePaths.binary("workspaces_exporter").path,
                ["--web.listen-address", "127.0.0.1:\(FreePort.next())", "--aws.region", "us-east-1", "--aws.endpoint-url", "http://127.0.0.1:9",
                 "--web.config.file", config],
                environment: emulatorCredentials.merging(["AWS_EC2_METADATA_DISABLED": "true"]) { $1 })
            let status = await process.waitForExit(timeout: .seconds(20))
            #expect(status == 1, "\(yaml)")
            #expect(process.stderr.contains("bad.yml"), "\(process.stderr)")
            #expect(process.stderr.contains(expected), "\(process.stderr)")
            #expect(!process.stderr.contains("hunter2"))
        }
    }
}
