import Foundation
import Testing
@testable import HTTPServer

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ListenAddressTests {
    @Test(arguments: [
        (":10027", "", 10027), ("127.0.0.1:9000", "127.0.0.1", 9000), ("[::1]:80", "::1", 80),
        ("localhost:0", "localhost", 0), ("0.0.0.0:65535", "0.0.0.0", 65535),
    ])
    func parses(text: String, host: String, port: Int) throws {
        let address = try ListenAddress.parse(text)
        #expect(address.host == host)
        #expect(address.port == port)
    }

    @Test(arguments: ["10027", "host:", "host:abc", ":70000", "::1:80", "[::1]80", "[::1"])
    func rejects(text: String) {
        #expect(throws: ListenAddress.ParseError.self) { try ListenAddress.parse(text) }
    }

    /// A connection flood must not overflow the accept queue: a dropped SYN costs the next
    /// legitimate client a 1 s retransmission. The backlog is what the kernel allows: 300
    /// connections that nobody accepts all complete their handshake (with a backlog of 128,
    /// 129 would, and the kernel would drop the SYNs of the rest).
    @Test func theListenBacklogHoldsAConnectionFlood() throws {
        let somaxconn = try #require((try? String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }, "net.core.somaxconn is readable")
        try #require(somaxconn >= 300, "net.core.somaxconn \(somaxconn) is below the 300 connections of this test")
        let listener = try ListenSocket.open(ListenAddress(host: "127.0.0.1", port: 0))
        defer { close(listener.descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(listener.port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var clients: [Int32] = []
        defer { clients.forEach { close($0) } }
        for _ in 0..<300 {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            try #require(client >= 0, "socket: \(String(cString: strerror(errno)))")
            clients.append(client)
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        // A connect completes once the server's kernel queued it; a dropped SYN leaves it waiting.
        // Loopback handshakes are immediate: after one wait in vain, the rest are only looked at.
        var completed = 0, wait: Int32 = 500
        for client in clients {
            var waiting = pollfd(fd: client, events: Int16(POLLOUT), revents: 0)
            if poll(&waiting, 1, wait) == 1, waiting.revents & Int16(POLLOUT) != 0 { completed += 1 } else { wait = 0 }
        }
        #expect(completed == clients.count, "\(completed) of \(clients.count) connections were queued")
    }
}
