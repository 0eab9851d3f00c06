import Foundation
import TestSupport
import Testing
@testable import HTTPServer

/// A client certificate's subject alternative names, as exporter-toolkit compares them.
@Suite struct ClientCertificateNamesTests {
    static func der(_ pem: String) -> [UInt8] {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return Array(Data(base64Encoded: body) ?? Data())
    }

    @Test func everyKindGoCompares() async throws {
        let certificates = try await TestCertificates.make()
        let pem = try String(contentsOfFile: certificates.path("client-sans.pem"), encoding: .utf8)
        let names = try #require(ClientCertificateNames.of(der: Self.der(pem)))
        #expect(Set(names) == ["client.test", "10.0.0.7", "2001:db8::7", "spiffe://example.test/client", "client@example.test"])
        let plain = try String(contentsOfFile: certificates.path("client.pem"), encoding: .utf8)
        #expect(ClientCertificateNames.of(der: Self.der(plain)) == [])
    }

    @Test func addressesAsGoPrintsThem() {
        #expect(ClientCertificateNames.address([10, 0, 0, 7]) == "10.0.0.7")
        #expect(ClientCertificateNames.address([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 192, 0, 2, 1]) == "192.0.2.1")
        #expect(ClientCertificateNames.address([0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [1]) == "2001:db8::1")
        #expect(ClientCertificateNames.address([1, 2, 3]) == nil)
    }

    @Test func garbageIsNotACertificate() {
        #expect(ClientCertificateNames.of(der: []) == nil)
        #expect(ClientCertificateNames.of(der: [0x30, 0x03, 0x02, 0x01, 0x00]) == nil)
    }
}
