import Support
import YAML

/// The `--web.config.file` of exporter-toolkit: TLS, basic authentication,
/// extra response headers and a rate limit, every field of the toolkit's
/// format. Any problem stops start-up with the file, the line and what is
/// wrong; while the server runs, ``WebConfigWatcher`` reads the file again
/// when it changes.
public struct WebConfiguration: Sendable {
    public var tls: TLSConfiguration?
    public var basicAuth: BasicAuthenticator?
    /// Added to every response (`http_server_config.headers`).
    public var headers: [(name: String, value: String)]
    /// `rate_limit`; nil when absent or with a zero interval.
    public var rateLimit: RateLimiter.Settings?
    /// Things that load but weaken what the file asks for, or that this
    /// server does differently, to log.
    public var warnings: [String] = []
    /// Files besides the config itself whose change means reading it again (`client_ca_file`).
    public var watchedFiles: [String] = []

    public init(tls: TLSConfiguration? = nil, basicAuth: BasicAuthenticator? = nil, headers: [(name: String, value: String)] = [],
                rateLimit: RateLimiter.Settings? = nil) {
        self.tls = tls
        self.basicAuth = basicAuth
        self.headers = headers
        self.rateLimit = rateLimit
    }

    /// The headers exporter-toolkit allows in `http_server_config.headers`,
    /// with the values it allows when it restricts them.
    static let allowedHeaders: [(name: String, values: [String]?)] = [
        ("Content-Security-Policy", nil), ("Strict-Transport-Security", nil), ("X-Content-Type-Options", ["nosniff"]),
        ("X-Frame-Options", ["deny", "sameorigin"]), ("X-XSS-Protection", nil),
    ]

    /// Reads and checks the file. Relative paths inside it are taken from the
    /// file's own directory, as exporter-toolkit does.
    ///
    /// `previous`, the configuration in service, spares checking bcrypt
    /// hashes again and keeps its authenticator (and what it remembers) when
    /// the users did not change.
    public static func load(path: String, previous: WebConfiguration? = nil) throws(WebConfigurationError) -> WebConfiguration {
        let text: String
        do {
            text = try FileContents.text(path, maxBytes: 1 << 20)
        } catch {
            throw WebConfigurationError(file: path, line: nil, problem: error.reason)
        }
        return try parse(text, path: path, previous: previous)
    }

    /// Checks `text`, the contents of the file at `path` (named in errors, and
    /// the folder relative paths inside it are taken from).
    public static func parse(_ text: String, path: String, previous: WebConfiguration? = nil) throws(WebConfigurationError) -> WebConfiguration {
        let root: YAMLNode?
        do {
            root = try YAMLParser.parse(text)
        } catch {
            throw WebConfigurationError(file: path, line: error.line, problem: "not valid YAML: \(error.problem)")
        }
        var loader = Loader(file: path, previous: previous?.basicAuth)
        return try loader.configuration(root)
    }

    /// Walks the YAML tree, keeping the file name for errors.
    struct Loader {
        let file: String
        /// The authenticator in service, if any.
        let previous: BasicAuthenticator?

        func fail(_ node: YAMLNode?, _ problem: String) -> WebConfigurationError {
            WebConfigurationError(file: file, line: node?.line, problem: problem)
        }

        func mapping(_ node: YAMLNode, _ what: String) throws(WebConfigurationError) -> [(key: String, keyNode: YAMLNode, value: YAMLNode)] {
            // The parser itself refuses a key that appears twice.
            guard let mapping = node.mapping else { throw fail(node, "\(what) must be a mapping") }
            var pairs: [(String, YAMLNode, YAMLNode)] = []
            for pair in mapping {
                guard let name = pair.key.scalar else { throw fail(pair.key, "keys in \(what) must be strings") }
                pairs.append((name, pair.key, pair.value))
            }
            return pairs
        }

        func string(_ node: YAMLNode, _ what: String) throws(WebConfigurationError) -> String {
            guard let scalar = node.scalar else { throw fail(node, "\(what) must be a string") }
            return scalar
        }

        func readFile(_ node: YAMLNode, _ what: String) throws(WebConfigurationError) -> String {
            try readFileAndPath(node, what).text
        }

        /// The file's text, and its path (relative to the config file's folder).
        func readFileAndPath(_ node: YAMLNode, _ what: String) throws(WebConfigurationError) -> (text: String, path: String) {
            let name = try string(node, what)
            guard !name.isEmpty else { throw fail(node, "\(what) is empty") }
            let path = name.hasPrefix("/") ? name : Self.directory(of: file) + name
            do {
                return (try FileContents.text(path, maxBytes: 1 << 20), path)
            } catch {
                throw fail(node, "\(what) \(path) cannot be read: \(error.reason)")
            }
        }

        /// The folder of `path`, with a trailing slash (`./` for a bare name).
        static func directory(of path: String) -> String {
            guard let slash = path.lastIndex(of: "/") else { return "./" }
            return String(path[...slash])
        }

        mutating func configuration(_ root: YAMLNode?) throws(WebConfigurationError) -> WebConfiguration {
            var configuration = WebConfiguration()
            // An empty file is valid: plain HTTP, no authentication.
            guard let root, !root.isNull else { return configuration }
            for (key, keyNode, value) in try mapping(root, "the file") {
                switch key {
                case "tls_server_config":
                    configuration.tls = try tls(value, at: keyNode, into: &configuration)
                case "basic_auth_users":
                    configuration.basicAuth = try basicAuth(value)
                    let costs = Set(configuration.basicAuth?.users.values.compactMap(BasicAuthenticator.cost) ?? [])
                    if costs.count > 1 {
                        configuration.warnings.append(
                            "basic_auth_users hashes have different bcrypt costs (\(costs.sorted().map(String.init).joined(separator: ", "))): "
                                + "a wrong password for a user with a cheaper hash answers faster than for an unknown user, which shows that the user exists; hash them all at one cost")
                    }
                case "http_server_config":
                    configuration.headers = try httpServer(value, into: &configuration)
                case "rate_limit":
                    configuration.rateLimit = try rateLimit(value, into: &configuration)
                default:
                    throw fail(keyNode, "unknown field \"\(key)\"; expected tls_server_config, basic_auth_users, http_server_config or rate_limit")
                }
            }
            return configuration
        }

        func strings(_ node: YAMLNode, _ what: String) throws(WebConfigurationError) -> [String] {
            if node.isNull { return [] }
            guard let items = node.sequence else { throw fail(node, "\(what) must be a list of strings") }
            var result: [String] = []
            for item in items { result.append(try string(item, "each entry of \(what)")) }
            return result
        }

        func bool(_ node: YAMLNode, _ what: String) throws(WebConfigurationError) -> Bool {
            guard let value = node.bool else { throw fail(node, "\(what) must be true or false") }
            return value
        }

        /// `at` is the `tls_server_config` key, where problems of the whole
        /// section are reported. Nil when the section sets none of the fields
        /// that turn TLS on (a certificate, a key, client CAs or a client
        /// auth type), as exporter-toolkit serves plain HTTP then.
        func tls(_ node: YAMLNode, at section: YAMLNode, into configuration: inout WebConfiguration) throws(WebConfigurationError) -> TLSConfiguration? {
            if node.isNull { return nil }
            var certificateFile: (text: String, path: String)?, keyFile: (text: String, path: String)?
            var inlineCertificate: String?, inlineKey: String?, clientCAFile: (text: String, path: String)?, inlineCA: String?
            var clientAuth = TLSConfiguration.ClientAuth.noClientCert
            var clientAuthSet = false
            var priorities = TLSPriorities()
            var allowedSANs: [String]?
            var nodes: [String: YAMLNode] = [:]
            for (name, keyNode, value) in try mapping(node, "tls_server_config") {
                nodes[name] = keyNode
                switch name {
                case "cert_file": if !value.isNull, try string(value, name) != "" { certificateFile = try readFileAndPath(value, name) }
                case "key_file": if !value.isNull, try string(value, name) != "" { keyFile = try readFileAndPath(value, name) }
                case "client_ca_file": if !value.isNull, try string(value, name) != "" { clientCAFile = try readFileAndPath(value, name) }
                case "cert", "key", "client_ca":
                    // Inline PEM; the key is a secret, never repeated in errors.
                    guard !value.isNull else { continue }
                    let text = try string(value, name)
                    guard !text.isEmpty else { continue }
                    switch name {
                    case "cert": inlineCertificate = text
                    case "key": inlineKey = text
                    default: inlineCA = text
                    }
                case "client_auth_type":
                    let text = try string(value, name)
                    // "RequireClientCert" is the toolkit's old name, still accepted there.
                    guard let parsed = text.isEmpty ? .noClientCert : text == "RequireClientCert" ? .requireAnyClientCert : TLSConfiguration.ClientAuth(rawValue: text) else {
                        throw fail(value, "client_auth_type \"\(text)\" is not one of \(TLSConfiguration.ClientAuth.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    clientAuth = parsed
                    clientAuthSet = !text.isEmpty
                case "min_version", "max_version":
                    let text = try string(value, name)
                    guard let version = TLSConfiguration.Version(rawValue: text) else {
                        throw fail(value, "\(name) \"\(text)\" is not one of TLS10, TLS11, TLS12, TLS13")
                    }
                    if name == "min_version" { priorities.minVersion = version } else { priorities.maxVersion = version }
                case "cipher_suites":
                    priorities.cipherSuites = try strings(value, name)
                    let ignored = priorities.cipherSuites.filter(TLSPriorities.tls13Suites.contains)
                    if !ignored.isEmpty {
                        configuration.warnings.append("cipher_suites: \(ignored.joined(separator: ", ")) are TLS 1.3 suites, which cannot be configured and are ignored, as in exporter-toolkit")
                        priorities.cipherSuites.removeAll(where: TLSPriorities.tls13Suites.contains)
                    }
                case "curve_preferences":
                    priorities.curvePreferences = try strings(value, name)
                case "prefer_server_cipher_suites":
                    priorities.preferServerCipherSuites = try bool(value, name)
                case "client_allowed_sans":
                    allowedSANs = value.isNull ? nil : try strings(value, name)
                default:
                    throw fail(keyNode, "unknown field \"\(name)\" in tls_server_config")
                }
            }
            let enabled = certificateFile != nil || keyFile != nil || inlineCertificate != nil || inlineKey != nil
                || clientCAFile != nil || inlineCA != nil || clientAuthSet
            guard enabled else {
                if !nodes.isEmpty { configuration.warnings.append("tls_server_config sets no certificate, key, client CA or client_auth_type: TLS is off and its other fields are ignored, as in exporter-toolkit") }
                return nil
            }
            if certificateFile != nil, inlineCertificate != nil { configuration.warnings.append("tls_server_config has both cert_file and cert: cert_file is used, as in exporter-toolkit") }
            if keyFile != nil, inlineKey != nil { configuration.warnings.append("tls_server_config has both key_file and key: key_file is used, as in exporter-toolkit") }
            if clientCAFile != nil, inlineCA != nil { configuration.warnings.append("tls_server_config has both client_ca_file and client_ca: client_ca_file is used, as in exporter-toolkit") }
            guard let certificate = certificateFile?.text ?? inlineCertificate else { throw fail(section, "tls_server_config needs cert_file or cert") }
            guard let key = keyFile?.text ?? inlineKey else { throw fail(section, "tls_server_config needs key_file or key") }
            let clientCA = clientCAFile?.text ?? inlineCA
            if let path = clientCAFile?.path { configuration.watchedFiles.append(path) }
            if clientCA != nil, clientAuth == .noClientCert {
                throw fail(nodes["client_auth_type"] ?? nodes["client_ca_file"] ?? nodes["client_ca"], "client CAs are configured without a client_auth_type that asks for certificates")
            }
            if clientAuth.verifies, clientCA == nil {
                configuration.warnings.append("client_auth_type \(clientAuth.rawValue) without client_ca_file or client_ca: client certificates are verified against the system's trusted CAs, as in exporter-toolkit: any certificate from a public CA passes unless client_allowed_sans narrows it")
            }
            if let allowedSANs {
                if clientAuth == .noClientCert {
                    configuration.warnings.append("client_allowed_sans has no effect with client_auth_type NoClientCert (no certificate is asked for), as in exporter-toolkit")
                } else if allowedSANs.isEmpty {
                    configuration.warnings.append("client_allowed_sans is an empty list: every client certificate is refused, as in exporter-toolkit")
                }
            }
            guard priorities.minVersion <= priorities.maxVersion else {
                throw fail(nodes["min_version"] ?? section, "min_version \(priorities.minVersion.rawValue) is above max_version \(priorities.maxVersion.rawValue)")
            }
            // Only both files, read again when they change, make a renewable pair.
            let files = certificateFile.flatMap { certificate in keyFile.map { (certificate.path, $0.path) } }
            let configuration = TLSConfiguration(
                certificate: certificate, key: key, clientCA: clientCA, clientAuth: clientAuth, priorities: priorities,
                allowedSANs: allowedSANs, files: files)
            if let problem = configuration.problem() {
                let node: YAMLNode?
                switch problem.field {
                case "cert": node = nodes["cert_file"] ?? nodes["cert"]
                case "client_ca": node = nodes["client_ca_file"] ?? nodes["client_ca"]
                case "min_version/max_version": node = nodes["min_version"] ?? nodes["max_version"]
                default: node = nodes[problem.field]
                }
                throw fail(node ?? section, "\(problem.field): \(problem.message)")
            }
            return configuration
        }

        func basicAuth(_ node: YAMLNode) throws(WebConfigurationError) -> BasicAuthenticator? {
            if node.isNull { return nil }
            var users: [String: String] = [:]
            for (user, keyNode, value) in try mapping(node, "basic_auth_users") {
                guard !user.contains(":") else { throw fail(keyNode, "user name \"\(user)\" contains ':', which basic authentication cannot carry") }
                let hash = try string(value, "the hash of \(user)")
                // A hash the authenticator in service holds was checked already (bcrypt is slow).
                if previous?.users.values.contains(hash) != true {
                    do {
                        try BasicAuthenticator.check(hash)
                    } catch {
                        // The hash itself is not repeated: it is a secret too.
                        throw fail(value, "the password of \(user) is not a bcrypt hash ($2y$, $2b$ or $2a$, e.g. from htpasswd -nBC 10)")
                    }
                }
                users[user] = hash
            }
            guard !users.isEmpty else { return nil }
            // The same users: the authenticator in service goes on, with what it remembers.
            if let previous, previous.users == users { return previous }
            do {
                return try BasicAuthenticator(users: users)
            } catch {
                throw fail(node, "basic_auth_users could not be loaded")
            }
        }

        func httpServer(_ node: YAMLNode, into configuration: inout WebConfiguration) throws(WebConfigurationError) -> [(name: String, value: String)] {
            if node.isNull { return [] }
            var result: [(name: String, value: String)] = []
            for (name, _, value) in try mapping(node, "http_server_config") {
                switch name {
                case "headers":
                    if value.isNull { continue }
                    for (header, headerNode, headerValue) in try mapping(value, "headers") {
                        guard let allowed = WebConfiguration.allowedHeaders.first(where: { $0.name.lowercased() == header.lowercased() }) else {
                            throw fail(headerNode, "header \"\(header)\" may not be set; allowed: \(WebConfiguration.allowedHeaders.map(\.name).joined(separator: ", "))")
                        }
                        let text = headerValue.isNull ? "" : try string(headerValue, header)
                        guard !text.containsLineBreakOrNul else { throw fail(headerValue, "the value of \(header) contains a line break") }
                        if let values = allowed.values, !values.contains(text) {
                            throw fail(headerValue, "\(allowed.name) must be one of \(values.joined(separator: ", ")), not \"\(text)\"")
                        }
                        // Blank means unset, as the toolkit documents.
                        if !text.isEmpty { result.append((allowed.name, text)) }
                    }
                case "http2":
                    // libmicrohttpd speaks HTTP/1.1 only; clients asking for h2 in ALPN get HTTP/1.1.
                    if try bool(value, name) {
                        configuration.warnings.append("http_server_config.http2 is true but this server speaks HTTP/1.1 only (libmicrohttpd has no HTTP/2); clients negotiate HTTP/1.1")
                    }
                default:
                    throw fail(value, "unknown field \"\(name)\" in http_server_config")
                }
            }
            return result
        }

        /// `rate_limit`: `interval` a Go duration (or whole nanoseconds, as
        /// Go's YAML reads them), `burst` a whole number; neither negative.
        func rateLimit(_ node: YAMLNode, into configuration: inout WebConfiguration) throws(WebConfigurationError) -> RateLimiter.Settings? {
            if node.isNull { return nil }
            var interval: Int64 = 0, burst = 0
            for (name, keyNode, value) in try mapping(node, "rate_limit") {
                switch name {
                case "interval":
                    let text = try string(value, "rate_limit.interval")
                    guard let parsed = value.int.map(Int64.init) ?? GoDuration.nanoseconds(text) else {
                        throw fail(value, "rate_limit.interval \"\(text.bounded(maxBytes: 64))\" is not a duration such as 1s, 500ms or 1m30s (or overflows)")
                    }
                    guard parsed >= 0 else { throw fail(value, "rate_limit.interval must not be negative") }
                    interval = parsed
                case "burst":
                    guard let parsed = value.int else {
                        throw fail(value, "rate_limit.burst must be a whole number")
                    }
                    guard parsed >= 0 else { throw fail(value, "rate_limit.burst must not be negative") }
                    burst = parsed
                default:
                    throw fail(keyNode, "unknown field \"\(name)\" in rate_limit")
                }
            }
            // A zero interval turns the limiter off, as in exporter-toolkit.
            guard interval > 0 else { return nil }
            if burst == 0 {
                configuration.warnings.append("rate_limit.burst is 0: every request is answered 429 Too Many Requests, as in exporter-toolkit")
            }
            return RateLimiter.Settings(interval: .nanoseconds(interval), burst: burst)
        }
    }
}
