/// An absolute `http://` or `https://` URL taken apart, as the client needs it.
struct URLParts: Sendable, Hashable {
    let secure: Bool
    /// Without brackets for IPv6.
    let host: String
    let port: Int
    /// Path and query, starting with `/`.
    let target: String

    /// `Host` header value: the port only when not the scheme's default.
    var hostHeader: String {
        port == (secure ? 443 : 80) ? bracketedHost : authority
    }

    /// `host:port`, as a `CONNECT` request names its target.
    var authority: String { "\(bracketedHost):\(port)" }

    private var bracketedHost: String { host.contains(":") ? "[\(host)]" : host }

    init?(_ text: String) {
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
                guard let value = Int(after.dropFirst()), (1...65535).contains(value) else { return nil }
                port = value
            } else if !after.isEmpty {
                return nil
            }
            authority = authority[authority.index(after: authority.startIndex)..<close]
        } else if let colon = authority.lastIndex(of: ":") {
            guard let value = Int(authority[authority.index(after: colon)...]), (1...65535).contains(value) else { return nil }
            port = value
            authority = authority[..<colon]
        }
        guard !authority.isEmpty, !authority.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }), !target.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else { return nil }
        self.host = String(authority).lowercased()
        self.port = port
        self.target = target
    }
}
