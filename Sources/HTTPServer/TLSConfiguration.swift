import CMicroHTTPD

/// TLS for the server, from `tls_server_config` in exporter-toolkit's web
/// config. libmicrohttpd serves it through GnuTLS; each connection gets the
/// settings in service when it is accepted (``TLSContext``).
public struct TLSConfiguration: Sendable {
    /// Which client certificates are asked for and required (Go's `tls.ClientAuthType`).
    public enum ClientAuth: String, Sendable, CaseIterable {
        case noClientCert = "NoClientCert"
        /// Asked for, not required, not verified.
        case requestClientCert = "RequestClientCert"
        /// Required, not verified.
        case requireAnyClientCert = "RequireAnyClientCert"
        /// Verified when given.
        case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerifyClientCert = "RequireAndVerifyClientCert"

        /// GnuTLS's request: 0 ignore, 1 request, 2 require.
        var request: Int32 {
            switch self {
            case .noClientCert: return 0
            case .requestClientCert, .verifyClientCertIfGiven: return 1
            case .requireAnyClientCert, .requireAndVerifyClientCert: return 2
            }
        }

        var requires: Bool { request == 2 }
        var verifies: Bool { self == .verifyClientCertIfGiven || self == .requireAndVerifyClientCert }
    }

    /// TLS protocol versions, named as in exporter-toolkit.
    public enum Version: String, Sendable, CaseIterable, Comparable {
        case tls10 = "TLS10", tls11 = "TLS11", tls12 = "TLS12", tls13 = "TLS13"

        var gnutlsName: String {
            switch self {
            case .tls10: return "VERS-TLS1.0"
            case .tls11: return "VERS-TLS1.1"
            case .tls12: return "VERS-TLS1.2"
            case .tls13: return "VERS-TLS1.3"
            }
        }

        public static func < (lhs: Version, rhs: Version) -> Bool {
            allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
        }
    }

    /// PEM certificate chain, server certificate first.
    public let certificate: String
    /// PEM private key.
    public let key: String
    /// PEM CA certificates that client certificates must chain to; nil for
    /// the system's trusted CAs (when `clientAuth` verifies).
    public let clientCA: String?
    public let clientAuth: ClientAuth
    /// Versions, suites, curves and whose order wins.
    public let priorities: TLSPriorities
    /// `client_allowed_sans`: nil for no check; else a client certificate must
    /// carry one of these as a DNS, e-mail, IP or URI name.
    public let allowedSANs: [String]?
    /// The files `certificate` and `key` were read from (the web config's):
    /// the server reads them again when they change (``CertificateReloader``).
    /// Nil for a pair given in memory.
    public let files: (certificate: String, key: String)?

    public init(certificate: String, key: String, clientCA: String? = nil, clientAuth: ClientAuth = .noClientCert,
                priorities: TLSPriorities = TLSPriorities(), allowedSANs: [String]? = nil, files: (certificate: String, key: String)? = nil) {
        self.certificate = certificate
        self.key = key
        self.files = files
        self.clientCA = clientCA
        self.clientAuth = clientAuth
        self.priorities = priorities
        self.allowedSANs = allowedSANs
    }

    /// Go verifies client certificates against the system's roots when no
    /// client CAs are given; so does this.
    var verifiesAgainstSystemRoots: Bool { clientAuth.verifies && clientCA == nil }

    public var minVersion: Version { priorities.minVersion }
    public var maxVersion: Version { priorities.maxVersion }

    /// Whether `other` puts connections under the same settings: the same
    /// files (their contents are the ``CertificateReloader``'s business) or
    /// the same inline pair, CAs, policy, priorities and names.
    func sameSettings(as other: TLSConfiguration) -> Bool {
        let samePair: Bool
        if let files, let otherFiles = other.files {
            samePair = files == otherFiles
        } else {
            samePair = files == nil && other.files == nil && certificate == other.certificate && key == other.key
        }
        return samePair && clientCA == other.clientCA && clientAuth == other.clientAuth && priorities == other.priorities
            && allowedSANs == other.allowedSANs
    }

    /// What GnuTLS thinks of the key pair and the CAs: nil when both load,
    /// else the field and the problem in GnuTLS's words.
    func problem() -> (field: String, message: String)? {
        let pair = cmhd_check_key_pair(certificate, key)
        if pair < 0 {
            return ("cert", "the certificate and key do not load as a PEM certificate and its key: \(String(cString: gnutls_strerror(pair)))")
        }
        if let clientCA {
            let count = cmhd_check_trust(clientCA)
            if count < 0 { return ("client_ca", "the client CAs do not load as PEM certificates: \(String(cString: gnutls_strerror(count)))") }
            if count == 0 { return ("client_ca", "the client CAs hold no certificate") }
        }
        if let problem = priorities.problem() { return (problem.field, problem.message) }
        return nil
    }
}
