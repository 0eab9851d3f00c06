import Foundation
import TestSupport
import Testing
@testable import WorkSpacesEmulator

@Suite struct EmulatorServerTests {
    @Test func servesOverHTTPAndCountsRequests() async throws {
        let server = try await EmulatorServer.start(host: "127.0.0.1", port: 0, configuration: EmulatorConfiguration(images: SeedImages.images(count: 30)))
        defer { Task { try? await server.shutdown() } }
        let response = try await HTTPFetch.fetch(
            "http://127.0.0.1:\(server.port)/", method: .POST,
            headers: [
                ("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20251129/us-east-1/workspaces/aws4_request"),
                ("X-Amz-Target", "WorkspacesService.DescribeWorkspaceImages"),
                ("Content-Type", "application/x-amz-json-1.1"),
            ],
            body: Array(#"{"MaxResults":10}"#.utf8))
        #expect(response.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect((json["Images"] as? [Any])?.count == 10)
        #expect(json["NextToken"] as? String == "page-10")
        let stats = try await HTTPFetch.fetch("http://127.0.0.1:\(server.port)/emulator/stats")
        #expect(stats.text.contains(#""requests":1"#))
    }
}
