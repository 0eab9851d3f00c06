import CMicroHTTPD

/// TLS for the server, from `tls_server_config` in exporter-toolkit's web
/// config. libmicrohttpd serves it through GnuTLS.
public struct TLSConfiguration: Sendable {
    /// Which client certificates are asked for and required.
    ///
    /// libmicrohttpd asks for a client certificate only when it has CAs to
    /// check it against, so exporter-toolkit's `RequestClientCert` and
    /// `RequireAnyClientCert` (which accept unverified certificates) cannot
    /// be offered; the loader says so.
    public enum ClientAuth: String, Sendable, CaseIterable {
        case noClientCert = "NoClientCert"
        case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerifyClientCert = "RequireAndVerifyClientCert"
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
    /// PEM CA certificates that client certificates must chain to.
    public let clientCA: String?
    public let clientAuth: ClientAuth
    public let minVersion: Version
    public let maxVersion: Version
    /// The files `certificate` and `key` were read from (the web config's):
    /// the server reads them again when they change (``CertificateReloader``).
    /// Nil for a pair given in memory.
    public let files: (certificate: String, key: String)?

    public init(certificate: String, key: String, clientCA: String? = nil, clientAuth: ClientAuth = .noClientCert,
                minVersion: Version = .tls12, maxVersion: Version = .tls13, files: (certificate: String, key: String)? = nil) {
        self.certificate = certificate
        self.key = key
        self.files = files
        self.clientCA = clientCA
        self.clientAuth = clientAuth
        self.minVersion = minVersion
        self.maxVersion = maxVersion
    }

    /// GnuTLS priority string allowing exactly the versions from min to max.
    var priorities: String {
        let versions = Version.allCases.filter { $0 >= minVersion && $0 <= maxVersion }.reversed()
        return "NORMAL:-VERS-ALL" + versions.map { ":+\($0.gnutlsName)" }.joined()
    }

    /// What GnuTLS thinks of the key pair, the CAs and the versions: nil when
    /// all load, else the problem in GnuTLS's words.
    func problem() -> String? {
        let pair = cmhd_check_key_pair(certificate, key)
        if pair < 0 { return "cert_file and key_file do not load as a PEM certificate and its key: \(String(cString: gnutls_strerror(pair)))" }
        if let clientCA {
            let count = cmhd_check_trust(clientCA)
            if count < 0 { return "client_ca_file does not load as PEM certificates: \(String(cString: gnutls_strerror(count)))" }
            if count == 0 { return "client_ca_file holds no certificate" }
        }
        let priority = cmhd_check_priorities(priorities)
        if priority < 0 { return "min_version/max_version give no usable protocol: \(String(cString: gnutls_strerror(priority)))" }
        return nil
    }
}
