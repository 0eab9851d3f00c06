import CGnuTLS
import Dispatch
import HTTPClient
import Support
#if canImport(Glibc)
import Glibc
#endif

/// The TLS side of the response-reader target: a GnuTLS server on the far
/// end of a socket pair (a P-256 pair for "localhost", valid until 2125,
/// signed by a CA the client trusts) sends the fuzzed bytes as TLS records,
/// then ends with close_notify or just closes, so that the reader is fed
/// through the HTTP client's real TLS session.
enum FuzzTLS {
    static let caPEM = """
-----BEGIN CERTIFICATE-----
MIIBVzCB/qADAgECAgEBMAoGCCqGSM49BAMCMCIxIDAeBgNVBAMMF2Z1enogcmVz
cG9uc2UtcmVhZGVyIENBMCAXDTI2MDEwMTAwMDAwMFoYDzIxMjUxMjA4MDAwMDAw
WjAiMSAwHgYDVQQDDBdmdXp6IHJlc3BvbnNlLXJlYWRlciBDQTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABFGcT+FHcywohuRSRqWEtszvukBD61tbhDe/Q3rZ79py
2Sm+m3r5bMvKD3ylsZYQPQmszm2d/2y9zmoy/1tJKGmjIzAhMA8GA1UdEwEB/wQF
MAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49BAMCA0gAMEUCIHrxmqO3OGj/
MIgt+MHZf5ihoMgcxqS4uJwdgjyQTJNjAiEA9fSAev5N+1RzIPsfYhQvYAt9zaRY
ST16zU8klYHJoK4=
-----END CERTIFICATE-----
"""
    static let certificatePEM = """
-----BEGIN CERTIFICATE-----
MIIBYzCCAQigAwIBAgIBAjAKBggqhkjOPQQDAjAiMSAwHgYDVQQDDBdmdXp6IHJl
c3BvbnNlLXJlYWRlciBDQTAgFw0yNjAxMDEwMDAwMDBaGA8yMTI1MTIwODAwMDAw
MFowFDESMBAGA1UEAwwJbG9jYWxob3N0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcD
QgAEyEy/JXwgl8s5vChqPedbCXSOgH8qrm/8HG16wC5sqAGCrlUgKMGbCcWo9s9J
mw3ckDVUrpj5lUfXf6iJdIzVMaM7MDkwDAYDVR0TAQH/BAIwADAUBgNVHREEDTAL
gglsb2NhbGhvc3QwEwYDVR0lBAwwCgYIKwYBBQUHAwEwCgYIKoZIzj0EAwIDSQAw
RgIhALe2ypqT51UFmi9kZztTL/0KyFIq7h/81vd/ssuBPN1QAiEAj5ZRSaMfTA8C
HDEYtuxS5p9ekBwF9nzVBjscUtwJOys=
-----END CERTIFICATE-----
"""
    static let keyPEM = """
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgh4vZyJCix0LCY9eO
LYQpRwYkGhOQaqAPaRI8E3Zep16hRANCAATITL8lfCCXyzm8KGo951sJdI6Afyqu
b/wcbXrALmyoAYKuVSAowZsJxaj2z0mbDdyQNVSumPmVR9d/qIl0jNUx
-----END PRIVATE KEY-----
"""

    /// What the server presents.
    nonisolated(unsafe) static let serverCredentials: gnutls_certificate_credentials_t? = {
        var credentials: gnutls_certificate_credentials_t?
        guard gnutls_certificate_allocate_credentials(&credentials) == 0, let credentials else { return nil }
        let loaded = certificatePEM.withCString { certificate in
            keyPEM.withCString { key in
                var cert = gnutls_datum_t(data: UnsafeMutablePointer(mutating: UnsafeRawPointer(certificate).assumingMemoryBound(to: UInt8.self)), size: UInt32(strlen(certificate)))
                var keyDatum = gnutls_datum_t(data: UnsafeMutablePointer(mutating: UnsafeRawPointer(key).assumingMemoryBound(to: UInt8.self)), size: UInt32(strlen(key)))
                return gnutls_certificate_set_x509_key_mem(credentials, &cert, &keyDatum, GNUTLS_X509_FMT_PEM)
            }
        }
        return loaded == 0 ? credentials : nil
    }()

    /// What the client trusts: the CA, from a file as AWS_CA_BUNDLE gives it.
    static let clientCredentials: TLSCredentials? = {
        let path = "/tmp/workspaces-fuzz-ca-\(getpid()).pem"
        guard let file = fopen(path, "w") else { return nil }
        fputs(caPEM, file)
        fclose(file)
        defer { unlink(path) }
        return try? TLSCredentials(caBundle: path)
    }()

    /// Runs the server on `descriptor` on a thread of its own; `done` is
    /// signalled when it has sent everything (or given up) and closed.
    static func serve(_ descriptor: Int32, payload: [UInt8], closeNotify: Bool, done: DispatchSemaphore) {
        let started = DedicatedThread.start(name: "fuzz-tls-server") {
            defer {
                close(descriptor)
                done.signal()
            }
            guard let credentials = serverCredentials else { return }
            var created: gnutls_session_t?
            guard gnutls_init(&created, UInt32(GNUTLS_SERVER) | UInt32(GNUTLS_NO_SIGNAL)) == 0, let session = created else { return }
            defer { gnutls_deinit(session) }
            guard gnutls_set_default_priority(session) == 0, gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, UnsafeMutableRawPointer(credentials)) == 0 else { return }
            gnutls_transport_set_int2(session, descriptor, descriptor)
            gnutls_handshake_set_timeout(session, 5000)
            var result: Int32
            repeat { result = gnutls_handshake(session) } while result < 0 && gnutls_error_is_fatal(result) == 0
            guard result == 0 else { return }
            var offset = 0
            while offset < payload.count {
                let count = min(16 << 10, payload.count - offset)
                let sent = payload.withUnsafeBytes { bytes -> Int in
                    guard let base = bytes.baseAddress else { return -1 }
                    return gnutls_record_send(session, base + offset, count)
                }
                if sent < 0 {
                    if sent == Int(GNUTLS_E_AGAIN) || sent == Int(GNUTLS_E_INTERRUPTED) { continue }
                    return
                }
                offset += sent
            }
            if closeNotify { _ = gnutls_bye(session, GNUTLS_SHUT_WR) }
        }
        if !started {
            close(descriptor)
            done.signal()
        }
    }
}
