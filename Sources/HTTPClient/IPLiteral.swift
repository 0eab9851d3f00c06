#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// IP literals: no SNI for those, and `NO_PROXY` matching.
enum IPLiteral {
    static func isLiteral(_ host: String) -> Bool {
        bytes(host) != nil
    }

    /// The address's bytes (4 or 16), or nil when `text` is not an IP literal.
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// Whether two literals are the same address (`::1` and `0::1`).
    static func same(_ left: String, _ right: String) -> Bool {
        guard let a = bytes(left), let b = bytes(right) else { return false }
        return a == b
    }

    /// Whether `address` lies in `network`/`prefixLength` (same family only).
    static func contains(network: String, prefixLength: Int, address: String) -> Bool {
        guard let net = bytes(network), let candidate = bytes(address), net.count == candidate.count,
              (0...net.count * 8).contains(prefixLength) else { return false }
        for bit in 0..<prefixLength {
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            if net[bit / 8] & mask != candidate[bit / 8] & mask { return false }
        }
        return true
    }
}
