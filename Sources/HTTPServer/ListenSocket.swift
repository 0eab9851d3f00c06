import Support

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bound, listening TCP socket, created here rather than by MHD so that
/// errors are reported precisely and port 0 (any free port) can be read back.
struct ListenSocket: Sendable {
    let descriptor: Int32
    let port: Int

    /// Why the listen socket could not be opened.
    struct Failure: Error, CustomStringConvertible {
        let address: ListenAddress
        let reason: String
        var description: String { "cannot listen on \(address): \(reason)" }
    }

    /// The default backlog asks for as much as the kernel allows (it caps the value at
    /// net.core.somaxconn, as for Go's listeners): a short queue overflows under a connection
    /// flood, and a dropped SYN costs the next legitimate client a 1 s retransmission.
    static func open(_ address: ListenAddress, backlog: Int32 = 65535) throws(Failure) -> ListenSocket {
        if address.host.isEmpty {
            // Every interface: prefer a dual-stack IPv6 socket, fall back to IPv4.
            if let socket = try? open(host: "::", port: address.port, dualStack: true, backlog: backlog, for: address) {
                return socket
            }
            return try open(host: "0.0.0.0", port: address.port, dualStack: false, backlog: backlog, for: address)
        }
        return try open(host: address.host, port: address.port, dualStack: false, backlog: backlog, for: address)
    }

    private static func open(host: String, port: Int, dualStack: Bool, backlog: Int32, for address: ListenAddress) throws(Failure) -> ListenSocket {
        let addresses: [AddressLookup.Address]
        switch AddressLookup.resolve(host: host, port: port, passive: true) {
        case let .success(found): addresses = found
        case let .failure(error): throw Failure(address: address, reason: "cannot resolve host: \(error.message)")
        }
        var lastError = "no usable address"
        for candidate in addresses {
            #if canImport(Glibc)
            let fd = socket(candidate.family, candidate.socketType | Int32(SOCK_CLOEXEC.rawValue), candidate.protocolNumber)
            #else
            let fd = socket(candidate.family, candidate.socketType, candidate.protocolNumber)
            #endif
            if fd < 0 { lastError = String(cString: strerror(errno)); continue }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if candidate.family == AF_INET6 {
                var v6only: Int32 = dualStack ? 0 : 1
                setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &v6only, socklen_t(MemoryLayout<Int32>.size))
            }
            guard candidate.withSocketAddress({ bind(fd, $0, $1) }) == 0, listen(fd, backlog) == 0 else {
                lastError = String(cString: strerror(errno))
                close(fd)
                continue
            }
            return ListenSocket(descriptor: fd, port: boundPort(fd) ?? port)
        }
        throw Failure(address: address, reason: lastError)
    }

    /// A socket passed already listening (systemd socket activation).
    static func inherited(_ descriptor: Int32) throws(Failure) -> ListenSocket {
        let address = ListenAddress(host: "fd", port: Int(descriptor))
        var type: Int32 = 0, listening: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_TYPE, &type, &length) == 0 else {
            throw Failure(address: address, reason: "file descriptor \(descriptor) is not a socket: \(String(cString: strerror(errno)))")
        }
        length = socklen_t(MemoryLayout<Int32>.size)
        #if canImport(Glibc)
        let streamType = Int32(SOCK_STREAM.rawValue)
        #else
        let streamType = SOCK_STREAM
        #endif
        guard type == streamType, getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0, listening == 1 else {
            throw Failure(address: address, reason: "file descriptor \(descriptor) is not a listening stream socket (ListenStream= in the .socket unit)")
        }
        return ListenSocket(descriptor: descriptor, port: boundPort(descriptor) ?? 0)
    }

    private static func boundPort(_ fd: Int32) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { return nil }
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
        default:
            return nil
        }
    }
}
