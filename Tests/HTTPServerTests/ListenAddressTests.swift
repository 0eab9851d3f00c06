import Testing
@testable import HTTPServer

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
}
