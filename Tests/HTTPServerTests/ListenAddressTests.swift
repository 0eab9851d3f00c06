import Foundation
import Testing
import TestSupport
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
    /// legitimate client a 1 s retransmission. The backlog is what the kernel allows.
    @Test func theListenBacklogIsAsLargeAsTheKernelAllows() async throws {
        let socket = try ListenSocket.open(ListenAddress(host: "127.0.0.1", port: 0))
        defer { close(socket.descriptor) }
        let ss = try #require(PackagePaths.which("ss"), "ss (iproute2) is installed by scripts/deps.sh test")
        // For a listening socket, ss shows the backlog as Send-Q: "LISTEN 0 4096 127.0.0.1:PORT ...".
        let (status, output) = try await runCommand(ss, ["-Hltn", "sport = :\(socket.port)"])
        #expect(status == 0, "\(output)")
        let fields = output.split(whereSeparator: \.isWhitespace)
        let backlog = try #require(fields.count > 2 ? Int(fields[2]) : nil, "ss said: \(output)")
        let somaxconn = (try? String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8))
            .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 4096
        #expect(backlog == min(somaxconn, 65535), "backlog \(backlog), net.core.somaxconn \(somaxconn)")
    }
}
