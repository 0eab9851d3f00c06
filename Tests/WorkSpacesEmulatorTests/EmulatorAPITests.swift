import Foundation
import Testing
@testable import WorkSpacesEmulator

@Suite struct EmulatorAPITests {
    let signedHeaders = [
        "authorization": "AWS4-HMAC-SHA256 Credential=AKID/20251129/us-east-1/workspaces/aws4_request, SignedHeaders=host, Signature=00",
        "x-amz-target": "WorkspacesService.DescribeWorkspaceImages",
    ]

    func call(_ api: EmulatorAPI, _ body: [String: Any], number: Int = 1) throws -> (status: Int, json: [String: Any]) {
        let reply = api.handle(number: number, method: "POST", path: "/", headers: signedHeaders, body: Array(try JSONSerialization.data(withJSONObject: body)))
        guard case let .respond(status, _, bytes) = reply else { throw Failure() }
        return (status, (try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]) ?? [:])
    }

    struct Failure: Error {}

    @Test func paginatesThroughEveryImage() throws {
        let api = EmulatorAPI(configuration: EmulatorConfiguration(images: SeedImages.images(count: 53)))
        var token: String? = nil
        var ids: [String] = []
        var pages = 0
        repeat {
            var body: [String: Any] = ["MaxResults": 25]
            if let token { body["NextToken"] = token }
            let (status, json) = try call(api, body)
            #expect(status == 200)
            let images = try #require(json["Images"] as? [[String: Any]])
            ids += images.compactMap { $0["ImageId"] as? String }
            token = json["NextToken"] as? String
            pages += 1
        } while token != nil
        #expect(pages == 3)
        #expect(ids.count == 53)
        #expect(Set(ids).count == 53)
    }

    @Test func filtersByTypeAndIds() throws {
        let api = EmulatorAPI(configuration: EmulatorConfiguration(images: SeedImages.images(count: 40)))
        let owned = try #require(try call(api, ["ImageType": "OWNED", "MaxResults": 25]).json["Images"] as? [[String: Any]])
        #expect(owned.allSatisfy { ($0["OwnerAccountId"] as? String) == SeedImages.ownerAccountId })
        let shared = try #require(try call(api, ["ImageType": "SHARED"]).json["Images"] as? [[String: Any]])
        #expect(!shared.isEmpty)
        #expect(shared.allSatisfy { ($0["OwnerAccountId"] as? String) != SeedImages.ownerAccountId })
        let picked = try #require(try call(api, ["ImageIds": ["wsi-edge00001", "wsi-000000003", "wsi-nope"]]).json["Images"] as? [[String: Any]])
        #expect(Set(picked.compactMap { $0["ImageId"] as? String }) == ["wsi-edge00001", "wsi-000000003"])
    }

    @Test func validatesLikeAWS() throws {
        let api = EmulatorAPI(configuration: EmulatorConfiguration(images: SeedImages.images(count: 5)))
        #expect(try call(api, ["MaxResults": 26]).status == 400)
        #expect(try call(api, ["MaxResults": 0]).status == 400)
        #expect(try call(api, ["NextToken": "bogus"]).status == 400)
        #expect(try call(api, ["ImageIds": (0..<26).map { "wsi-\($0)" }]).status == 400)
        #expect(try call(api, ["ImageType": "BOTH"]).status == 400)
        let unsigned = api.handle(number: 1, method: "POST", path: "/", headers: ["x-amz-target": "WorkspacesService.DescribeWorkspaceImages"], body: [])
        guard case let .respond(status, _, _) = unsigned else { Issue.record("expected a response"); return }
        #expect(status == 403)
    }

    @Test func seedCoversEveryKnownValue() {
        let images = SeedImages.images(count: 500)
        #expect(Set(images.compactMap(\.state)).isSuperset(of: ["AVAILABLE", "PENDING", "ERROR"]))
        #expect(Set(images.compactMap(\.requiredTenancy)) .isSuperset(of: ["DEFAULT", "DEDICATED"]))
        #expect(Set(images.compactMap(\.operatingSystemType)).isSuperset(of: ["WINDOWS", "LINUX"]))
        #expect(Set(images.flatMap { $0.errorDetailCodes ?? [] }).isSuperset(of: SeedImages.errorDetailCodes))
        #expect(images.contains { $0.updateAvailable == true } && images.contains { $0.updateAvailable == false })
        #expect(images.contains { $0.state == nil && $0.created == nil })
        #expect(Set(images.compactMap(\.imageId)).count == 500)
    }

    @Test func eNotationAndEscapesAreValidJSON() throws {
        let api = EmulatorAPI(configuration: EmulatorConfiguration(images: SeedImages.edgeCases))
        let reply = api.handle(number: 1, method: "POST", path: "/", headers: signedHeaders, body: Array("{}".utf8))
        guard case let .respond(_, _, bytes) = reply else { Issue.record("expected a response"); return }
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#""Created":1.732811234567E9"#))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let first = try #require((json["Images"] as? [[String: Any]])?.first)
        #expect(first["Name"] as? String == #"golden\windows "2022"#)
        #expect((first["Created"] as? Double) == 1_732_811_234.567)
    }

    @Test func endlessTokensAreAllDifferent() throws {
        let api = EmulatorAPI(configuration: EmulatorConfiguration(images: SeedImages.images(count: 3), fault: .endlessToken))
        var tokens: Set<String> = []
        for number in 1...5 {
            let reply = api.handle(number: number, method: "POST", path: "/", headers: signedHeaders, body: Array("{}".utf8))
            guard case let .respond(200, _, bytes) = reply,
                  let json = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                  let token = json["NextToken"] as? String else { Issue.record("expected a page with a NextToken"); return }
            tokens.insert(token)
        }
        #expect(tokens.count == 5)
    }

    @Test(arguments: Fault.allCases)
    func faultsHitEveryNthRequest(fault: Fault) throws {
        let api = EmulatorAPI(configuration: EmulatorConfiguration(images: SeedImages.images(count: 3), fault: fault, faultEvery: 2))
        let first = api.handle(number: 1, method: "POST", path: "/", headers: signedHeaders, body: Array("{}".utf8))
        if fault != .repeatToken {
            guard case let .respond(status, _, _) = first else { Issue.record("request 1 should be served"); return }
            #expect(status == 200)
        }
        let second = api.handle(number: 2, method: "POST", path: "/", headers: signedHeaders, body: Array("{}".utf8))
        switch (fault, second) {
        case (.throttle, .respond(400, _, _)), (.serverError, .respond(500, _, _)), (.unavailable, .respond(503, _, _)),
             (.reset, .reset), (.malformed, .respond(200, _, _)), (.truncated, .truncated), (.xmlError, .respond(403, _, _)),
             (.stall, .stall), (.repeatToken, .respond(200, _, _)), (.endlessToken, .respond(200, _, _)):
            break
        case let (.oversized, .respond(200, _, body)):
            #expect(body.count > 20 << 20)
        default:
            Issue.record("unexpected reply for \(fault): \(second)")
        }
    }
}
