import CMicroHTTPD

/// One GnuTLS priority string from `tls_server_config`'s `min_version`,
/// `max_version`, `cipher_suites`, `curve_preferences` and
/// `prefer_server_cipher_suites`, checked against what GnuTLS enables.
///
/// GnuTLS takes key exchanges, ciphers and MACs as separate lists and allows
/// every suite they combine into, where Go takes a list of suites. A list
/// whose parts combine into suites it does not name is refused (it would
/// allow more than the file says), as is one naming a suite GnuTLS lacks.
/// Go ignores `cipher_suites` for TLS 1.3; GnuTLS applies one cipher list to
/// every version, so TLS 1.3 keeps the listed suites' AEAD ciphers, and a
/// list with none of them, with TLS 1.3 allowed, is refused.
public struct TLSPriorities: Sendable, Equatable {
    /// A Go cipher suite as GnuTLS's parts.
    struct Suite: Hashable, Sendable {
        let kx: String
        let cipher: String
        let mac: String
    }

    /// The suites of Go's `tls.CipherSuites()` for TLS 1.0 to 1.2, by Go name.
    static let suites: [String: Suite] = [
        "TLS_RSA_WITH_AES_128_CBC_SHA": Suite(kx: "RSA", cipher: "AES-128-CBC", mac: "SHA1"),
        "TLS_RSA_WITH_AES_256_CBC_SHA": Suite(kx: "RSA", cipher: "AES-256-CBC", mac: "SHA1"),
        "TLS_RSA_WITH_AES_128_GCM_SHA256": Suite(kx: "RSA", cipher: "AES-128-GCM", mac: "AEAD"),
        "TLS_RSA_WITH_AES_256_GCM_SHA384": Suite(kx: "RSA", cipher: "AES-256-GCM", mac: "AEAD"),
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": Suite(kx: "ECDHE-ECDSA", cipher: "AES-128-CBC", mac: "SHA1"),
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": Suite(kx: "ECDHE-ECDSA", cipher: "AES-256-CBC", mac: "SHA1"),
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": Suite(kx: "ECDHE-RSA", cipher: "AES-128-CBC", mac: "SHA1"),
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": Suite(kx: "ECDHE-RSA", cipher: "AES-256-CBC", mac: "SHA1"),
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": Suite(kx: "ECDHE-ECDSA", cipher: "AES-128-GCM", mac: "AEAD"),
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": Suite(kx: "ECDHE-ECDSA", cipher: "AES-256-GCM", mac: "AEAD"),
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": Suite(kx: "ECDHE-RSA", cipher: "AES-128-GCM", mac: "AEAD"),
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": Suite(kx: "ECDHE-RSA", cipher: "AES-256-GCM", mac: "AEAD"),
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": Suite(kx: "ECDHE-RSA", cipher: "CHACHA20-POLY1305", mac: "AEAD"),
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": Suite(kx: "ECDHE-ECDSA", cipher: "CHACHA20-POLY1305", mac: "AEAD"),
    ]

    /// The TLS 1.3 suites of `tls.CipherSuites()`: accepted and, as in Go, ignored.
    static let tls13Suites: Set<String> = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"]

    /// exporter-toolkit's curve names and GnuTLS's groups.
    static let curves: [(go: String, gnutls: String)] = [
        ("CurveP256", "GROUP-SECP256R1"), ("CurveP384", "GROUP-SECP384R1"), ("CurveP521", "GROUP-SECP521R1"), ("X25519", "GROUP-X25519"),
    ]

    public var minVersion: TLSConfiguration.Version = .tls12
    public var maxVersion: TLSConfiguration.Version = .tls13
    /// Go names, in order; empty for GnuTLS's defaults.
    public var cipherSuites: [String] = []
    /// Go names, in order; empty for GnuTLS's defaults.
    public var curvePreferences: [String] = []
    /// The server's order of suites and groups, not the client's (the toolkit's default).
    public var preferServerCipherSuites = true

    public init() {}

    /// Why a field cannot be honoured, with the field's name.
    public struct Problem: Error, Sendable {
        public let field: String
        public let message: String
    }

    /// The priority string.
    public var string: String {
        var items = ["NORMAL", "-VERS-ALL"]
        items += TLSConfiguration.Version.allCases.filter { $0 >= minVersion && $0 <= maxVersion }.reversed().map { "+\($0.gnutlsName)" }
        let listed = cipherSuites.compactMap { Self.suites[$0] }
        if !listed.isEmpty {
            func unique(_ values: [String]) -> [String] {
                var seen = Set<String>()
                return values.filter { seen.insert($0).inserted }
            }
            items += ["-KX-ALL"] + unique(listed.map(\.kx)).map { "+\($0)" }
            items += ["-CIPHER-ALL"] + unique(listed.map(\.cipher)).map { "+\($0)" }
            items += ["-MAC-ALL"] + unique(listed.map(\.mac)).map { "+\($0)" }
        }
        if !curvePreferences.isEmpty {
            items += ["-GROUP-ALL"] + curvePreferences.compactMap { name in Self.curves.first { $0.go == name }?.gnutls }.map { "+\($0)" }
        }
        if preferServerCipherSuites { items.append("%SERVER_PRECEDENCE") }
        return items.joined(separator: ":")
    }

    /// Nil when GnuTLS takes the string and enables exactly the listed suites
    /// (and a TLS 1.3 suite when TLS 1.3 is allowed); else what is wrong, by field.
    public func problem() -> Problem? {
        for name in cipherSuites where Self.suites[name] == nil && !Self.tls13Suites.contains(name) {
            return Problem(field: "cipher_suites", message: "unknown cipher suite \"\(name)\"; known: \((Self.suites.keys.sorted() + Self.tls13Suites.sorted()).joined(separator: ", "))")
        }
        for name in curvePreferences where !Self.curves.contains(where: { $0.go == name }) {
            return Problem(field: "curve_preferences", message: "unknown curve \"\(name)\"; known: \(Self.curves.map(\.go).joined(separator: ", "))")
        }
        let text = string
        var cache: gnutls_priority_t?
        var errorPosition: UnsafePointer<CChar>?
        let result = gnutls_priority_init(&cache, text, &errorPosition)
        guard result == 0, let cache else {
            let field = cipherSuites.isEmpty ? (curvePreferences.isEmpty ? "min_version/max_version" : "curve_preferences") : "cipher_suites"
            return Problem(field: field, message: "GnuTLS refuses the priorities \"\(text)\" they give: \(String(cString: gnutls_strerror(result)))")
        }
        defer { gnutls_priority_deinit(cache) }
        var enabled = Set<Suite>()
        var tls13 = false
        var index: UInt32 = 0
        while true {
            var kx: UnsafePointer<CChar>?, cipher: UnsafePointer<CChar>?, mac: UnsafePointer<CChar>?
            var version: Int32 = 0
            let found = cmhd_priority_suite(cache, index, &kx, &cipher, &mac, &version)
            if found == 0 { break }
            index += 1
            guard found == 1, let kx, let cipher, let mac else { continue }
            let kxName = String(cString: kx)
            if kxName.isEmpty {
                tls13 = true
            } else {
                enabled.insert(Suite(kx: kxName, cipher: String(cString: cipher), mac: String(cString: mac)))
            }
            if index > 4096 { break }
        }
        let listed = cipherSuites.compactMap { name in Self.suites[name].map { (name, $0) } }
        if !listed.isEmpty {
            let wanted = Set(listed.map(\.1))
            if let missing = listed.first(where: { !enabled.contains($0.1) }) {
                return Problem(field: "cipher_suites", message: "\(missing.0) is not available with this GnuTLS (priorities \"\(text)\")")
            }
            let extra = enabled.subtracting(wanted)
            if !extra.isEmpty {
                let names = extra.map { suite in Self.suites.first { $0.value == suite }?.key ?? "\(suite.kx) \(suite.cipher) \(suite.mac)" }.sorted()
                return Problem(field: "cipher_suites", message: "GnuTLS combines the key exchanges, ciphers and MACs of the listed suites, which would also allow \(names.joined(separator: ", ")); add them to the list or leave out the suites that bring them in")
            }
        }
        if maxVersion == .tls13, !tls13 {
            return Problem(field: cipherSuites.isEmpty ? "max_version" : "cipher_suites", message: "no TLS 1.3 cipher is left (GnuTLS applies the listed suites' ciphers to TLS 1.3 too); list an AES-GCM or ChaCha20 suite, or set max_version: TLS12")
        }
        return nil
    }
}
