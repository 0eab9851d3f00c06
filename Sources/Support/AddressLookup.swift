#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// `getaddrinfo` for TCP, in one place: the HTTP client connecting, the
/// server binding its listeners, and the container-credentials check of
/// where a host name leads. Blocking (DNS): call it off Swift's pool.
public enum AddressLookup {
    /// One address `getaddrinfo` gave, copied out of its list.
    public struct Address: Sendable {
        public let family: Int32
        public let socketType: Int32
        public let protocolNumber: Int32
        let storage: sockaddr_storage
        let length: socklen_t

        /// Calls `body` with the address as `bind` and `connect` take it.
        public func withSocketAddress<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
            // sockaddr_storage is laid out to hold, and be read as, any sockaddr.
            withUnsafePointer(to: storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
            }
        }

        /// The numeric form (`127.0.0.1`, `::1`), or nil.
        public var numericHost: String? {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let status = withSocketAddress { address, length in
                getnameinfo(address, length, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST)
            }
            return status == 0 ? String(nulTerminated: buffer) : nil
        }
    }

    /// The TCP addresses of `host` (nil with `passive`: every local address)
    /// and `port`, in `getaddrinfo`'s order, or why there are none.
    /// `passive` is for binding; `configuredFamiliesOnly` leaves out IPv6
    /// (IPv4) addresses on a machine without IPv6 (IPv4) configured.
    public static func resolve(host: String?, port: Int?, passive: Bool = false, configuredFamiliesOnly: Bool = false) -> Result<[Address], LookupError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_flags = (passive ? AI_PASSIVE : 0) | (configuredFamiliesOnly ? AI_ADDRCONFIG : 0)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, port.map(String.init), &hints, &list)
        guard status == 0 else { return .failure(LookupError(message: String(cString: gai_strerror(status)))) }
        defer { freeaddrinfo(list) }
        var addresses: [Address] = []
        var entry = list
        while let info = entry {
            entry = info.pointee.ai_next
            guard let source = info.pointee.ai_addr, Int(info.pointee.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size else { continue }
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { target in
                target.copyMemory(from: UnsafeRawBufferPointer(start: source, count: Int(info.pointee.ai_addrlen)))
            }
            addresses.append(Address(
                family: info.pointee.ai_family, socketType: info.pointee.ai_socktype, protocolNumber: info.pointee.ai_protocol,
                storage: storage, length: info.pointee.ai_addrlen))
        }
        return addresses.isEmpty ? .failure(LookupError(message: "no address")) : .success(addresses)
    }

    /// `getaddrinfo`'s reason, in its words.
    public struct LookupError: Error, Sendable {
        public let message: String
    }
}
