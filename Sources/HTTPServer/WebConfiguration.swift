import Support
import YAML

/// The `--web.config.file` of exporter-toolkit: TLS, basic authentication and
/// extra response headers. Loaded once at start-up; any problem stops start-up
/// with the file, the line and what is wrong.
public struct WebConfiguration: Sendable {
    public var tls: TLSConfiguration?
    public var basicAuth: BasicAuthenticator?
    /// Added to every response (`http_server_config.headers`).
    public var headers: [(name: String, value: String)]
    /// Things that load but weaken what the file asks for, to log at start-up.
    public var warnings: [String] = []

    public init(tls: TLSConfiguration? = nil, basicAuth: BasicAuthenticator? = nil, headers: [(name: String, value: String)] = []) {
        self.tls = tls
        self.basicAuth = basicAuth
        self.headers = headers
    }

    /// The headers exporter-toolkit allows in `http_server_config.headers`.
    static let allowedHeaders = [
        "Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options", "X-XSS-Protection",
    ]

    /// exporter-toolkit keys this server does not implement, with the reason.
    static let unsupported = [
        "cert": "inline certificates are not supported; use cert_file",
        "key": "inline keys are not supported; use key_file",
        "client_ca": "inline CAs are not supported; use client_ca_file",
        "cipher_suites": "cipher_suites is not supported; GnuTLS's NORMAL priorities apply",
        "curve_preferences": "curve_preferences is not supported; GnuTLS's NORMAL priorities apply",
        "prefer_server_cipher_suites": "prefer_server_cipher_suites is not supported",
        "client_allowed_sans": "client_allowed_sans is not supported",
        "http2": "HTTP/2 is not supported by libmicrohttpd",
    ]

    /// Reads and checks the file. Relative paths inside it are taken from the
    /// file's own directory, as exporter-toolkit does.
    public static func load(path: String) throws(WebConfigurationError) -> WebConfiguration {
        let text: String
        do {
            text = try FileContents.text(path, maxBytes: 1 << 20)
        } catch {
            throw WebConfigurationError(file: path, line: nil, problem: error.reason)
        }
        return try parse(text, path: path)
    }

    /// Checks `text`, the contents of the file at `path` (named in errors, and
    /// the folder relative paths inside it are taken from).
    public static func parse(_ text: String, path: String) throws(WebConfigurationError) -> WebConfiguration {
        let root: YAMLNode?
        do {
            root = try YAMLParser.parse(text)
        } catch {
            throw WebConfigurationError(file: path, line: error.line, problem: "not valid YAML: \(error.problem)")
        }
        var loader = Loader(file: path)
        return try loader.configuration(root)
    }

    /// Walks the YAML tree, keeping the file name for errors.
    struct Loader {
        let file: String

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
                    configuration.tls = try tls(value, at: keyNode)
                case "basic_auth_users":
                    configuration.basicAuth = try basicAuth(value)
                    let costs = Set(configuration.basicAuth?.users.values.compactMap(BasicAuthenticator.cost) ?? [])
                    if costs.count > 1 {
                        configuration.warnings.append(
                            "basic_auth_users hashes have different bcrypt costs (\(costs.sorted().map(String.init).joined(separator: ", "))): "
                                + "a wrong password for a user with a cheaper hash answers faster than for an unknown user, which shows that the user exists; hash them all at one cost")
                    }
                case "http_server_config":
                    configuration.headers = try headers(value)
                default:
                    throw fail(keyNode, "unknown field \"\(key)\"; expected tls_server_config, basic_auth_users or http_server_config")
                }
            }
            return configuration
        }

        /// `at` is the `tls_server_config` key, where problems of the whole section are reported.
        func tls(_ node: YAMLNode, at section: YAMLNode) throws(WebConfigurationError) -> TLSConfiguration? {
            if node.isNull { return nil }
            var certificate: (text: String, path: String)?, key: (text: String, path: String)?, clientCA: String?
            var clientAuth = TLSConfiguration.ClientAuth.noClientCert
            var clientAuthNode: YAMLNode?
            var minVersion = TLSConfiguration.Version.tls12, maxVersion = TLSConfiguration.Version.tls13
            for (name, keyNode, value) in try mapping(node, "tls_server_config") {
                switch name {
                case "cert_file": certificate = try readFileAndPath(value, "cert_file")
                case "key_file": key = try readFileAndPath(value, "key_file")
                case "client_ca_file": clientCA = try readFile(value, "client_ca_file")
                case "client_auth_type":
                    let text = try string(value, "client_auth_type")
                    if text == "RequestClientCert" || text == "RequireAnyClientCert" {
                        throw fail(value, "client_auth_type \(text) is not supported (libmicrohttpd only asks for certificates it can verify); use VerifyClientCertIfGiven or RequireAndVerifyClientCert with client_ca_file")
                    }
                    guard let parsed = TLSConfiguration.ClientAuth(rawValue: text) else {
                        throw fail(value, "client_auth_type \"\(text)\" is not one of \(TLSConfiguration.ClientAuth.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    clientAuth = parsed
                    clientAuthNode = value
                case "min_version", "max_version":
                    let text = try string(value, name)
                    guard let version = TLSConfiguration.Version(rawValue: text) else {
                        throw fail(value, "\(name) \"\(text)\" is not one of TLS10, TLS11, TLS12, TLS13")
                    }
                    if name == "min_version" { minVersion = version } else { maxVersion = version }
                default:
                    if let reason = WebConfiguration.unsupported[name] { throw fail(keyNode, reason) }
                    throw fail(keyNode, "unknown field \"\(name)\" in tls_server_config")
                }
            }
            guard let certificate else { throw fail(section, "tls_server_config needs cert_file") }
            guard let key else { throw fail(section, "tls_server_config needs key_file") }
            if clientAuth != .noClientCert, clientCA == nil {
                throw fail(clientAuthNode, "client_auth_type \(clientAuth.rawValue) needs client_ca_file")
            }
            guard minVersion <= maxVersion else { throw fail(section, "min_version \(minVersion.rawValue) is above max_version \(maxVersion.rawValue)") }
            let configuration = TLSConfiguration(
                certificate: certificate.text, key: key.text, clientCA: clientCA, clientAuth: clientAuth,
                minVersion: minVersion, maxVersion: maxVersion, files: (certificate.path, key.path))
            if let problem = configuration.problem() { throw fail(section, problem) }
            return configuration
        }

        func basicAuth(_ node: YAMLNode) throws(WebConfigurationError) -> BasicAuthenticator? {
            if node.isNull { return nil }
            var users: [String: String] = [:]
            for (user, keyNode, value) in try mapping(node, "basic_auth_users") {
                guard !user.contains(":") else { throw fail(keyNode, "user name \"\(user)\" contains ':', which basic authentication cannot carry") }
                let hash = try string(value, "the hash of \(user)")
                do {
                    try BasicAuthenticator.check(hash)
                } catch {
                    // The hash itself is not repeated: it is a secret too.
                    throw fail(value, "the password of \(user) is not a bcrypt hash ($2y$, $2b$ or $2a$, e.g. from htpasswd -nBC 10)")
                }
                users[user] = hash
            }
            guard !users.isEmpty else { return nil }
            do {
                return try BasicAuthenticator(users: users)
            } catch {
                throw fail(node, "basic_auth_users could not be loaded")
            }
        }

        func headers(_ node: YAMLNode) throws(WebConfigurationError) -> [(name: String, value: String)] {
            if node.isNull { return [] }
            var result: [(name: String, value: String)] = []
            for (name, keyNode, value) in try mapping(node, "http_server_config") {
                switch name {
                case "headers":
                    if value.isNull { continue }
                    for (header, headerNode, headerValue) in try mapping(value, "headers") {
                        guard let canonical = WebConfiguration.allowedHeaders.first(where: { $0.lowercased() == header.lowercased() }) else {
                            throw fail(headerNode, "header \"\(header)\" may not be set; allowed: \(WebConfiguration.allowedHeaders.joined(separator: ", "))")
                        }
                        let text = try string(headerValue, header)
                        guard !text.containsLineBreakOrNul else { throw fail(headerValue, "the value of \(header) contains a line break") }
                        result.append((canonical, text))
                    }
                case "http2":
                    // Off is what this server does anyway; on cannot be honoured.
                    guard value.bool == false else { throw fail(keyNode, WebConfiguration.unsupported["http2"] ?? "") }
                default:
                    throw fail(keyNode, "unknown field \"\(name)\" in http_server_config")
                }
            }
            return result
        }
    }
}
