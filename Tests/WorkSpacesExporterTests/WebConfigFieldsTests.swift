import Foundation
import TestSupport
import Testing

/// Every field of exporter-toolkit's web config on the real binary, seen from
/// clients: curl and Python's ssl module.
extension WebConfigTests {
    /// Python's ssl module connecting with the given settings and sending a GET:
    /// "ok VERSION CIPHER STATUS", or "fail REASON".
    func python(port: Int, cert: String? = nil, ciphers: String? = nil, minVersion: String? = nil, maxVersion: String? = nil,
                curve: String? = nil, path: String = "/-/healthy") async throws -> String {
        let script = """
        import socket, ssl, sys
        port, ca, cert, ciphers, minv, maxv, curve, path = sys.argv[1:9]
        context = ssl.create_default_context(cafile=ca)
        if cert: context.load_cert_chain(cert + ".pem", cert + ".key")
        if ciphers: context.set_ciphers(ciphers)
        if minv: context.minimum_version = getattr(ssl.TLSVersion, minv)
        if maxv: context.maximum_version = getattr(ssl.TLSVersion, maxv)
        if curve: context.set_ecdh_curve(curve)
        try:
            with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as raw:
                with context.wrap_socket(raw, server_hostname="localhost") as tls:
                    tls.sendall(("GET %s HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n" % path).encode())
                    answer = b""
                    while True:
                        chunk = tls.recv(65536)
                        if not chunk: break
                        answer += chunk
                    status = answer.split(b" ")[1].decode() if answer.startswith(b"HTTP/") else "none"
                    print("ok", tls.version(), tls.cipher()[0], status)
        except Exception as error:
            print("fail", type(error).__name__)
        """
        let arguments = [String(port), certificates.path("ca.pem"), cert.map { certificates.path($0) } ?? "", ciphers ?? "",
                         minVersion ?? "", maxVersion ?? "", curve ?? "", path]
        let (_, output) = try await runCommand(PackagePaths.which("python3") ?? "/usr/bin/python3", ["-c", script] + arguments)
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func with(_ name: String) -> [String] { ["--cert", certificates.path("\(name).pem"), "--key", certificates.path("\(name).key")] }

    /// Go's five client auth types: (no certificate, a trusted one, one from another CA) served?
    /// Without `client_ca_file`, the Verify types trust the system's CAs (as Go
    /// does), which do not include the tests' CA.
    @Test(arguments: [
        ("NoClientCert", false, [true, true, true]),
        ("RequestClientCert", false, [true, true, true]),
        ("RequireAnyClientCert", false, [false, true, true]),
        ("VerifyClientCertIfGiven", true, [true, true, false]),
        ("RequireAndVerifyClientCert", true, [false, true, false]),
        ("VerifyClientCertIfGiven", false, [true, false, false]),
        ("RequireAndVerifyClientCert", false, [false, false, false]),
    ])
    func everyClientAuthType(_ type: String, _ withCA: Bool, _ served: [Bool]) async throws {
        let (emulator, exporter) = try await start("""
        tls_server_config:
          cert_file: server.pem
          key_file: server.key
          client_auth_type: \(type)
        \(withCA ? "  client_ca_file: ca.pem" : "")
        """)
        defer { exporter.stop(); emulator.stop() }
        let url = "https://127.0.0.1:\(exporter.port)/-/healthy"
        let ca = ["--cacert", certificates.path("ca.pem")]
        for (certificate, expected) in zip([nil, "client", "client-untrusted"], served) {
            let result = try await curl(ca + (certificate.map(with) ?? []) + [url])
            #expect((result.status == 200) == expected, "\(type) curl with \(certificate ?? "no certificate"): \(result)")
            let viaPython = try await python(port: exporter.port, cert: certificate)
            #expect(viaPython.hasSuffix(" 200") == expected, "\(type) python with \(certificate ?? "no certificate"): \(viaPython)")
        }
        #expect(exporter.process.isRunning)
    }

    /// The certificate request names the client CAs; under the system's
    /// CAs (no `client_ca_file`) it names none, as Go's does, rather than
    /// every system root. Seen with `openssl s_client`.
    @Test func theCertificateRequestNamesTheClientCAsOrNone() async throws {
        for withCA in [true, false] {
            let (emulator, exporter) = try await start("""
            tls_server_config:
              cert_file: server.pem
              key_file: server.key
              client_auth_type: VerifyClientCertIfGiven
            \(withCA ? "  client_ca_file: ca.pem" : "")
            """)
            defer { exporter.stop(); emulator.stop() }
            let (_, output) = try await runCommand(
                PackagePaths.which("openssl") ?? "/usr/bin/openssl",
                ["s_client", "-connect", "127.0.0.1:\(exporter.port)", "-tls1_2", "-servername", "localhost", "-CAfile", certificates.path("ca.pem")],
                stdin: "")
            #expect(output.contains("Verify return code: 0"), "\(output.suffix(800))")
            if withCA {
                #expect(output.contains("Acceptable client certificate CA names") && output.contains("workspaces-exporter test CA"), "\(output.suffix(1500))")
            } else {
                #expect(output.contains("No client certificate CA names sent"), "\(output.suffix(1500))")
                #expect(exporter.log.contains("system's trusted CAs"))
            }
        }
    }

    /// No TLS session is resumed (neither session IDs nor tickets), so a client
    /// certificate is checked on every connection, under the settings in
    /// service when it is accepted.
    @Test func noTLSSessionIsResumed() async throws {
        let (emulator, exporter) = try await start(Self.verifiedClients)
        defer { exporter.stop(); emulator.stop() }
        let script = """
        import socket, ssl, sys
        port, ca, cert = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        for version in ("TLSv1_2", "TLSv1_3"):
            context = ssl.create_default_context(cafile=ca)
            context.load_cert_chain(cert + ".pem", cert + ".key")
            context.minimum_version = context.maximum_version = getattr(ssl.TLSVersion, version)
            session = None
            for attempt in range(3):
                with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
                    with context.wrap_socket(raw, server_hostname="localhost", session=session) as tls:
                        tls.sendall(b"GET /-/healthy HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n")
                        answer = b""
                        while True:
                            chunk = tls.recv(65536)
                            if not chunk: break
                            answer += chunk
                        print(version, answer.split(b" ")[1].decode(), "resumed" if tls.session_reused else "full",
                              "ticket" if tls.session is not None and tls.session.has_ticket else "no-ticket")
                        session = tls.session
        """
        let (_, output) = try await runCommand(
            PackagePaths.which("python3") ?? "/usr/bin/python3",
            ["-c", script, String(exporter.port), certificates.path("ca.pem"), certificates.path("client")])
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count == 6, "\(output)")
        for line in lines {
            #expect(line.hasSuffix(" 200 full no-ticket"), "\(line)")
        }
    }

    /// `client_allowed_sans`: each kind of name Go compares lets the certificate in; others are refused.
    @Test func clientAllowedSANs() async throws {
        func config(_ names: [String]) -> String {
            """
            tls_server_config:
              cert_file: server.pem
              key_file: server.key
              client_ca_file: ca.pem
              client_auth_type: RequireAndVerifyClientCert
              client_allowed_sans: [\(names.map { "\"\($0)\"" }.joined(separator: ", "))]
            """
        }
        let (emulator, exporter) = try await start(config(["client.test"]), extra: ["--log.level", "debug"])
        defer { exporter.stop(); emulator.stop() }
        let url = "https://127.0.0.1:\(exporter.port)/-/healthy"
        let ca = ["--cacert", certificates.path("ca.pem")]
        #expect(try await curl(ca + with("client-sans") + [url]).status == 200)
        #expect(try await curl(ca + with("client-other-sans") + [url]).status == 0, "names not listed")
        #expect(try await curl(ca + with("client") + [url]).status == 0, "no names at all")
        #expect(exporter.log.contains("carries none of client_allowed_sans"))
        // Each kind, read again from the file for new connections.
        for name in ["10.0.0.7", "2001:db8::7", "client@example.test", "spiffe://example.test/client"] {
            _ = try certificates.writeConfig(config(["nothing.test", name]))
            try await Task.sleep(for: .milliseconds(600))
            #expect(try await curl(ca + with("client-sans") + [url]).status == 200, "\(name)")
            // TLS 1.3 refuses the client's certificate after the client thinks the handshake done: no HTTP answer either way.
            #expect(try await !python(port: exporter.port, cert: "client-other-sans").hasSuffix(" 200"), "\(name)")
        }
    }

    /// One bucket over every request, before basic authentication: 429, then served again after the interval.
    @Test func rateLimitAnswers429ThenRecovers() async throws {
        let (emulator, exporter) = try await start("""
        basic_auth_users:
          alice: \(hash)
        rate_limit:
          interval: 5s
          burst: 2
        http_server_config:
          headers:
            X-Content-Type-Options: nosniff
        """)
        defer { exporter.stop(); emulator.stop() }
        let url = "http://127.0.0.1:\(exporter.port)/-/healthy"
        #expect(try await curl(["-u", "alice:s3cret", url]).status == 200)
        #expect(try await curl([url]).status == 401)
        let limited = try await curl(["-u", "alice:s3cret", url])
        #expect(limited.status == 429, "the bucket is empty, even for the right password")
        #expect(try await curl([url]).status == 429, "before authentication")
        try await Task.sleep(for: .milliseconds(5100))
        #expect(try await curl(["-u", "alice:s3cret", url]).status == 200, "one token back after the interval")
        #expect(try await curl(["-u", "alice:s3cret", url]).status == 429)
    }

    /// `cipher_suites`, `curve_preferences`, `min_version` and `max_version` as clients see them.
    @Test func cipherSuitesCurvesAndVersionsSeenByClients() async throws {
        let (emulator, exporter) = try await start("""
        tls_server_config:
          cert_file: server.pem
          key_file: server.key
          max_version: TLS12
          cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256]
          curve_preferences: [CurveP256]
          prefer_server_cipher_suites: true
        """)
        defer { exporter.stop(); emulator.stop() }
        let port = exporter.port
        #expect(try await python(port: port) == "ok TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256 200")
        #expect(try await python(port: port, ciphers: "ECDHE-ECDSA-AES256-GCM-SHA384").hasPrefix("fail"), "a suite not listed")
        #expect(try await python(port: port, ciphers: "ECDHE-ECDSA-CHACHA20-POLY1305").hasPrefix("fail"), "a suite not listed")
        #expect(try await python(port: port, curve: "secp384r1").hasPrefix("fail"), "a curve not listed")
        #expect(try await python(port: port, curve: "prime256v1").hasSuffix(" 200"))
        #expect(try await python(port: port, minVersion: "TLSv1_3").hasPrefix("fail"), "TLS 1.3 is above max_version")
        let curl13 = try await curl(["--cacert", certificates.path("ca.pem"), "--tlsv1.3", "https://127.0.0.1:\(port)/-/healthy"])
        #expect(curl13.status == 0)
    }
}
