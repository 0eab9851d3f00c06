import CMicroHTTPD
import Logging

/// One generation of the web config's TLS settings, as GnuTLS objects: the
/// credentials (the certificate from the ``CertificateReloader``, the client
/// CAs), the priority cache, and the client-certificate policy
/// (`client_auth_type`, `client_allowed_sans`).
///
/// Each TLS connection is put under the generation in service when it is
/// accepted, before its handshake (``apply(to:)``), and keeps it (retained
/// as its socket context) until it closes: settings read again apply to new
/// connections, as exporter-toolkit's `GetConfigForClient` does.
final class TLSContext: @unchecked Sendable {
    // @unchecked: the GnuTLS objects are written once here and only read
    // after; GnuTLS allows credentials and priority caches to be shared by
    // sessions on any thread.
    let configuration: TLSConfiguration
    let certificates: CertificateReloader
    let logger: Logger
    private let credentials: gnutls_certificate_credentials_t
    private let priorities: gnutls_priority_t

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `certificates` is reused from the previous generation when the pair's source is the same.
    init(_ configuration: TLSConfiguration, certificates: CertificateReloader, logger: Logger) throws(Failure) {
        self.configuration = configuration
        self.certificates = certificates
        self.logger = logger
        var credentials: gnutls_certificate_credentials_t?
        let made = cmhd_credentials_new(configuration.clientCA, configuration.verifiesAgainstSystemRoots ? 1 : 0, certificateCallback, &credentials)
        guard made == 0, let credentials else {
            if configuration.verifiesAgainstSystemRoots {
                throw Failure(description: "client_auth_type \(configuration.clientAuth.rawValue) without client_ca_file or client_ca verifies against the system's trusted CAs, which cannot be loaded: \(String(cString: gnutls_strerror(made)))")
            }
            throw Failure(description: "the TLS credentials cannot be set up: \(String(cString: gnutls_strerror(made)))")
        }
        var priorities: gnutls_priority_t?
        let initialised = gnutls_priority_init(&priorities, configuration.priorities.string, nil)
        guard initialised == 0, let priorities else {
            gnutls_certificate_free_credentials(credentials)
            throw Failure(description: "GnuTLS refuses the priorities \"\(configuration.priorities.string)\": \(String(cString: gnutls_strerror(initialised)))")
        }
        self.credentials = credentials
        self.priorities = priorities
    }

    deinit {
        // Sessions hold their own reference to the priority cache; the
        // credentials outlive every connection, each of which retains this.
        gnutls_priority_deinit(priorities)
        gnutls_certificate_free_credentials(credentials)
    }

    /// Puts a session, not yet handshaking, under these settings.
    func apply(to session: OpaquePointer) -> Bool {
        cmhd_session_configure(
            session, priorities, credentials, configuration.clientAuth.request, configuration.verifiesAgainstSystemRoots ? 1 : 0,
            verifyCallback) == 0
    }

    /// Why the client's certificate does not satisfy `client_auth_type` and
    /// `client_allowed_sans`, or nil. Checked as the certificate arrives
    /// (failing the handshake, as Go does) and again before each request.
    func refusal(_ session: OpaquePointer) -> String? {
        let clientAuth = configuration.clientAuth
        guard clientAuth != .noClientCert else { return nil }
        guard let peer = cmhd_peer_certificate(session) else {
            if clientAuth.requires { return "a client certificate is required" }
            // exporter-toolkit's SAN check fails a connection without a certificate.
            if configuration.allowedSANs != nil { return "a client certificate with an allowed name is required" }
            return nil
        }
        if clientAuth.verifies {
            var status: UInt32 = 0
            let result = cmhd_verify_client_certificate(session, &status)
            if result < 0 { return "the client certificate could not be verified: \(String(cString: gnutls_strerror(result)))" }
            if status != 0 { return "the client certificate was not verified (GnuTLS status \(status))" }
        }
        if let allowed = configuration.allowedSANs {
            let der = Array(UnsafeBufferPointer(start: peer.pointee.data, count: Int(peer.pointee.size)))
            guard let names = ClientCertificateNames.of(der: der) else { return "the client certificate does not parse" }
            // The names themselves are not logged: a client could otherwise write anything in the log.
            guard names.contains(where: allowed.contains) else { return "the client certificate carries none of client_allowed_sans" }
        }
        return nil
    }
}

/// GnuTLS calls this when the client's certificate arrives: nonzero fails the
/// handshake. (gnutls_certificate_verify_function.)
let verifyCallback: @convention(c) (OpaquePointer?) -> Int32 = { session in
    guard let session, let raw = cmhd_session_socket_context(session) else { return -1 }
    let context = Unmanaged<TLSContext>.fromOpaque(raw).takeUnretainedValue()
    guard let refusal = context.refusal(session) else { return 0 }
    // Debug, not warning: a client could otherwise write a line per connection.
    context.logger.debug("refused a TLS client at the handshake", metadata: ["reason": "\(refusal)"])
    return -1
}
