import Foundation
import TestSupport
import Testing
@testable import WorkSpacesEmulator

@Suite struct EmulatorServerTests {
    @Test func servesOverHTTPAndCountsRequests() async throws {
        let server = try await EmulatorServer.start(host: "127.0.0.1", port: 0, configuration: EmulatorConfiguration(images: SeedImages.images(count: 30)))
        defer { Task { try? await server.shutdown() } }
        let body = Array(#"{"MaxResults":10}"#.utf8)
        let signed = Signer().sign(service: "workspaces", headers: [
            ("Host", "127.0.0.1:\(server.port)"), ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "WorkspacesService.DescribeWorkspaceImages"),
        ], body: body)
        let response = try await HTTPFetch.fetch(
            "http://127.0.0.1:\(server.port)/", method: .POST, headers: signed.map { ($0.key, $0.value) }, body: body)
        #expect(response.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect((json["Images"] as? [Any])?.count == 10)
        #expect(json["NextToken"] as? String == "page-10")
        let stats = try await HTTPFetch.fetch("http://127.0.0.1:\(server.port)/emulator/stats")
        #expect(stats.text.contains(#""requests":1"#) && stats.text.contains(#""DescribeWorkspaceImages":1"#))
    }
}
