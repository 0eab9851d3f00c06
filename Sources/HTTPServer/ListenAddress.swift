/// A `host:port` listen address in the form Prometheus exporters take it:
/// `:9100` (all interfaces), `127.0.0.1:9100`, `[::1]:9100`, `localhost:0`.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// Empty for every interface.
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Why a listen address was rejected.
    public struct ParseError: Error, CustomStringConvertible {
        public let input: String
        public let reason: String
        public var description: String {
            "invalid listen address \"\(input)\": \(reason); expected host:port, :port or [ipv6]:port"
        }
    }

    public static func parse(_ text: String) throws(ParseError) -> ListenAddress {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw ParseError(input: text, reason: "missing ']'")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw ParseError(input: text, reason: "missing port") }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ParseError(input: text, reason: "missing port")
            }
            host = text[..<colon]
            if host.contains(":") {
                throw ParseError(input: text, reason: "IPv6 addresses must be in brackets")
            }
            portText = text[text.index(after: colon)...]
        }
        guard let port = Int(portText), (0...65535).contains(port) else {
            throw ParseError(input: text, reason: "port must be a number from 0 to 65535")
        }
        return ListenAddress(host: String(host), port: port)
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
