#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address literal, as its bytes (4 or 16), so that two
/// spellings of one address (`::1`, `0::1`) compare equal: the HTTP client's
/// SNI and `NO_PROXY` decisions and the container-credentials host check.
public struct IPAddress: Sendable, Hashable {
    public let bytes: [UInt8]

    /// Nil when `text` is not an IP literal (no brackets, no port).
    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: v6) { Array($0) }
            return
        }
        return nil
    }

    /// The normalised text (`::1`, `127.0.0.1`).
    public var text: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        _ = bytes.withUnsafeBytes { inet_ntop(family, $0.baseAddress, &buffer, socklen_t(buffer.count)) }
        return String(nulTerminated: buffer)
    }

    /// 127.0.0.0/8 or `::1`.
    public var isLoopback: Bool {
        bytes.count == 4 ? bytes[0] == 127 : bytes == [UInt8](repeating: 0, count: 15) + [1]
    }

    /// Whether it lies in `network`/`prefixLength` (same family only).
    public func isIn(network: IPAddress, prefixLength: Int) -> Bool {
        guard network.bytes.count == bytes.count, (0...bytes.count * 8).contains(prefixLength) else { return false }
        for bit in 0..<prefixLength {
            let mask = UInt8(0x80) >> UInt8(bit % 8)
            if network.bytes[bit / 8] & mask != bytes[bit / 8] & mask { return false }
        }
        return true
    }
}
