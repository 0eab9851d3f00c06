#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
package import Support

/// `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (or their lower-case forms), as
/// the AWS SDKs and curl read them: HTTPS goes through a CONNECT tunnel, plain
/// HTTP as an absolute-form request to the proxy. `user:password@` in a proxy
/// URL becomes basic `Proxy-Authorization`.
public struct ProxySettings: Sendable, Hashable {
    /// A proxy and the credentials to give it.
    package struct Proxy: Sendable, Hashable {
        package let address: URLParts
        /// The whole `Proxy-Authorization` value, or nil.
        package let authorization: String?
    }

    let https: Proxy?
    let http: Proxy?
    /// Host suffixes (and `*`) that go direct.
    let exceptions: [String]
    /// Variables set to a value this client cannot use (an `https://` proxy,
    /// a malformed URL): the caller must refuse to start rather than go direct.
    public let unusable: [String]

    /// From the environment given (`name → value`).
    public init(environment: [String: String]) {
        self.init { environment[$0] }
    }

    /// From an environment looked up by name.
    public init(lookup: (String) -> String?) {
        func value(_ name: String) -> String? {
            let found = lookup(name.lowercased()) ?? lookup(name)
            return found?.isEmpty == false ? found : nil
        }
        var unusable: [String] = []
        func proxy(_ name: String) -> Proxy? {
            guard let text = value(name) else { return nil }
            guard let parsed = Self.parse(text) else {
                unusable.append(name)
                return nil
            }
            return parsed
        }
        https = proxy("HTTPS_PROXY")
        http = proxy("HTTP_PROXY")
        self.unusable = unusable
        exceptions = (value("NO_PROXY") ?? "").split(separator: ",").map { $0.trimmingWhitespace().lowercased() }.filter { !$0.isEmpty }
    }

    public static let none = ProxySettings(environment: [:])

    /// Whether the environment named a proxy this client can use.
    public var isEmpty: Bool { https == nil && http == nil }

    /// The proxy for `url`, or nil to go direct. Loopback and link-local
    /// hosts (the emulator, the instance and container metadata endpoints)
    /// always go direct: a proxy would reach its own metadata, not ours.
    package func proxy(for url: URLParts) -> Proxy? {
        guard let proxy = url.secure ? https : http, !Self.isLocal(url.host) else { return nil }
        for exception in exceptions where Self.matches(exception, host: url.host) { return nil }
        return proxy
    }

    /// One `NO_PROXY` entry against a host: `*`; a domain (`example.com`,
    /// `.example.com`, `*.example.com`: itself and every subdomain); an IP
    /// address (`10.0.0.1`, `::1`, `[::1]`) or CIDR range (`10.0.0.0/8`,
    /// `fd00::/8`) against an IP literal. A port after a name or a bracketed
    /// address is ignored, as curl ignores it.
    static func matches(_ entry: String, host: String) -> Bool {
        if entry == "*" { return true }
        var pattern = Substring(entry)
        if pattern.hasPrefix("[") {
            guard let close = pattern.firstIndex(of: "]") else { return false }
            pattern = pattern[pattern.index(after: pattern.startIndex)..<close]
        } else if pattern.filter({ $0 == ":" }).count == 1, let colon = pattern.firstIndex(of: ":") {
            pattern = pattern[..<colon] // name:port or v4:port
        }
        if let slash = pattern.firstIndex(of: "/") {
            guard let bits = Int(pattern[pattern.index(after: slash)...]), let network = IPAddress(String(pattern[..<slash])),
                  let address = IPAddress(host) else { return false }
            return address.isIn(network: network, prefixLength: bits)
        }
        if pattern.hasPrefix("*.") { pattern = pattern.dropFirst(2) } else if pattern.hasPrefix(".") { pattern = pattern.dropFirst() }
        guard !pattern.isEmpty else { return false }
        if let literal = IPAddress(String(pattern)) { return literal == IPAddress(host) }
        return host == pattern || host.hasSuffix("." + pattern)
    }

    static func isLocal(_ host: String) -> Bool {
        // fd00:ec2::254 and ::23: instance metadata and the EKS Pod Identity agent over IPv6.
        host == "localhost" || host.hasPrefix("127.") && IPAddress(host) != nil || host == "::1"
            || host.hasPrefix("169.254.") && IPAddress(host) != nil || host.hasPrefix("fe80:")
            || host == "fd00:ec2::254" || host == "fd00:ec2::23"
    }

    /// `[http[s]://][user:password@]host[:port][/]`: an `https://` proxy is
    /// reached over TLS (verified as any server), as curl does, and HTTPS
    /// requests then run TLS inside that TLS. Nil when unusable.
    package static func parse(_ text: String) -> Proxy? {
        var rest = Substring(text.trimmingWhitespace())
        var scheme = "http"
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") {
            scheme = rest[..<colon].lowercased()
            guard scheme == "http" || scheme == "https" else { return nil }
            rest = rest[rest.index(colon, offsetBy: 3)...]
        }
        var authorization: String?
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        if let at = rest[..<authorityEnd].lastIndex(of: "@") {
            let userinfo = rest[..<at]
            let colon = userinfo.firstIndex(of: ":") ?? userinfo.endIndex
            guard let user = PercentDecoding.decode(userinfo[..<colon]),
                  let password = PercentDecoding.decode(colon < userinfo.endIndex ? userinfo[userinfo.index(after: colon)...] : "") else { return nil }
            authorization = "Basic " + Data(user + [UInt8(ascii: ":")] + password).base64EncodedString()
            rest = rest[rest.index(after: at)...]
        }
        guard let address = URLParts(scheme + "://" + rest) else { return nil }
        return Proxy(address: address, authorization: authorization)
    }
}

/// `%XX` escapes in the user information of a proxy URL.
enum PercentDecoding {
    static func decode(_ text: Substring) -> [UInt8]? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next()?.hexDigitValue, let low = iterator.next()?.hexDigitValue else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}
