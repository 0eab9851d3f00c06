/// An absolute `http://` or `https://` URL taken apart: the one URL parser of
/// the project (the HTTP client's requests and proxies, AWS endpoints, the
/// container credentials URI). No user information, no control characters or
/// spaces, a port of digits from 1 to 65535; the host lower-cased.
public struct URLParts: Sendable, Hashable {
    public let secure: Bool
    /// Without brackets for IPv6.
    public let host: String
    public let port: Int
    /// Path and query, starting with `/`.
    public let target: String

    /// `http` or `https`.
    public var scheme: String { secure ? "https" : "http" }

    /// The path alone, without the query.
    public var path: String { String(target.prefix { $0 != "?" }) }

    /// `Host` header value: the port only when not the scheme's default.
    public var hostHeader: String {
        port == (secure ? 443 : 80) ? bracketedHost : authority
    }

    /// `host:port`, as a `CONNECT` request names its target.
    public var authority: String { "\(bracketedHost):\(port)" }

    private var bracketedHost: String { host.contains(":") ? "[\(host)]" : host }

    public init?(_ text: String) {
        let lowered = text.lowercased()
        let rest: Substring
        if lowered.hasPrefix("https://") {
            secure = true
            rest = text.dropFirst(8)
        } else if lowered.hasPrefix("http://") {
            secure = false
            rest = text.dropFirst(7)
        } else {
            return nil
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...].prefix { $0 != "#" })
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        // No user:password@ in the URLs this client is given.
        guard !authority.contains("@"), !authority.isEmpty else { return nil }
        var port = secure ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Self.port(after.dropFirst()) else { return nil }
                port = value
            } else if !after.isEmpty {
                return nil
            }
            authority = authority[authority.index(after: authority.startIndex)..<close]
        } else if let colon = authority.lastIndex(of: ":") {
            guard let value = Self.port(authority[authority.index(after: colon)...]) else { return nil }
            port = value
            authority = authority[..<colon]
        }
        guard !authority.isEmpty, !authority.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }), !target.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else { return nil }
        self.host = String(authority).lowercased()
        self.port = port
        self.target = target
    }

    /// `text` fit for a log line or an error: user information
    /// (`user:password@`) replaced by `***@`, and bounded.
    public static func redacted(_ text: String) -> String {
        var out = Substring(text)
        if let scheme = out.firstRange(of: "://") {
            let rest = out[scheme.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") {
                out = out[..<scheme.upperBound] + "***" + rest[at...]
            }
        }
        return String(out).bounded(maxBytes: 200)
    }

    /// One to five digits from 1 to 65535 (no sign, no spaces).
    static func port(_ text: Substring) -> Int? {
        guard (1...5).contains(text.utf8.count), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let value = Int(text),
              (1...65535).contains(value) else { return nil }
        return value
    }
}
