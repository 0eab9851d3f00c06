import AWSCore
import AWSWorkSpaces
import Foundation
import Testing
@testable import WorkSpacesEmulator

/// Signs requests as the exporter does, for the emulator's checks.
struct Signer {
    var key = "AKIDEMULATOR"
    var secret = "emulator-secret"
    var token: String? = nil
    var region = "us-east-1"
    var date = Date().timeIntervalSince1970

    func workspaces(_ operation: String, _ body: [UInt8]) -> [String: String] {
        sign(service: "workspaces", headers: [
            ("Host", "127.0.0.1"), ("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "WorkspacesService.\(operation)"),
        ], body: body)
    }

    func sts(_ body: [UInt8]) -> [String: String] {
        sign(service: "sts", headers: [("Host", "127.0.0.1"), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: body)
    }

    func sign(service: String, headers: [(name: String, value: String)], body: [UInt8]) -> [String: String] {
        let signed = SigV4Signer(region: region, service: service).sign(
            .init(method: "POST", path: "/", headers: headers, body: body),
            credentials: AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: token), date: date)
        return Dictionary(signed.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { $1 })
    }
}

@Suite struct EmulatorAPITests {
    func call(_ api: EmulatorAPI, _ body: [String: Any], operation: String = "DescribeWorkspaceImages", signer: Signer = Signer()) throws -> (status: Int, json: [String: Any], headers: [(String, String)]) {
        let bytes = Array(try JSONSerialization.data(withJSONObject: body))
        let reply = api.handle(method: "POST", path: "/", headers: signer.workspaces(operation, bytes), body: bytes)
        guard case let .respond(status, headers, answer) = reply else { throw Failure() }
        return (status, (try? JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any]) ?? [:], headers)
    }

    func sts(_ api: EmulatorAPI, _ form: String, signer: Signer = Signer()) throws -> (status: Int, text: String) {
        let bytes = Array(form.utf8)
        guard case let .respond(status, _, answer) = api.handle(method: "POST", path: "/", headers: signer.sts(bytes), body: bytes) else { throw Failure() }
        return (status, String(decoding: answer, as: UTF8.self))
    }

    struct Failure: Error {}

    static func api(images: Int = 40, workspaces: Int = 30, extra: [EmulatedAccount] = [], fault: Fault? = nil, faultEvery: Int = 1, faultOperation: String? = nil, clockOffset: Double = 0) -> EmulatorAPI {
        EmulatorAPI(configuration: EmulatorConfiguration(
            accounts: [EmulatedAccount(id: SeedImages.ownerAccountId, images: SeedImages.images(count: images), workspaces: workspaces)] + extra,
            fault: fault, faultEvery: faultEvery, faultOperation: faultOperation, clockOffset: clockOffset))
    }

    @Test func paginatesThroughEveryImage() throws {
        let api = Self.api(images: 53)
        var token: String? = nil
        var ids: [String] = []
        var pages = 0
        repeat {
            var body: [String: Any] = ["MaxResults": 25]
            if let token { body["NextToken"] = token }
            let (status, json, _) = try call(api, body)
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
        let api = Self.api()
        let owned = try #require(try call(api, ["ImageType": "OWNED", "MaxResults": 25]).json["Images"] as? [[String: Any]])
        #expect(owned.allSatisfy { ($0["OwnerAccountId"] as? String) == SeedImages.ownerAccountId })
        let shared = try #require(try call(api, ["ImageType": "SHARED"]).json["Images"] as? [[String: Any]])
        #expect(!shared.isEmpty)
        #expect(shared.allSatisfy { ($0["OwnerAccountId"] as? String) != SeedImages.ownerAccountId })
        let picked = try #require(try call(api, ["ImageIds": ["wsi-edge00001", "wsi-000000003", "wsi-nope"]]).json["Images"] as? [[String: Any]])
        #expect(Set(picked.compactMap { $0["ImageId"] as? String }) == ["wsi-edge00001", "wsi-000000003"])
    }

    @Test func validatesLikeAWS() throws {
        let api = Self.api(images: 5)
        #expect(try call(api, ["MaxResults": 26]).status == 400)
        #expect(try call(api, ["MaxResults": 0]).status == 400)
        #expect(try call(api, ["NextToken": "bogus"]).status == 400)
        #expect(try call(api, ["ImageIds": (0..<26).map { "wsi-\($0)" }]).status == 400)
        #expect(try call(api, ["ImageType": "BOTH"]).status == 400)
        #expect(try call(api, ["Limit": 26], operation: "DescribeWorkspaces").status == 400)
        #expect(try call(api, ["Owner": "SOMEONE"], operation: "DescribeWorkspaceBundles").status == 400)
        let unsigned = api.handle(method: "POST", path: "/", headers: ["x-amz-target": "WorkspacesService.DescribeWorkspaceImages"], body: [])
        guard case let .respond(status, _, _) = unsigned else { Issue.record("expected a response"); return }
        #expect(status == 403)
    }

    @Test func checksSignaturesKeysTokensAndTime() throws {
        let api = Self.api(images: 3)
        #expect(try call(api, [:]).status == 200)
        let wrongSecret = try call(api, [:], signer: Signer(secret: "nope"))
        #expect(wrongSecret.status == 403 && "\(wrongSecret.json["__type"] ?? "")".hasSuffix("InvalidSignatureException"))
        let unknownKey = try call(api, [:], signer: Signer(key: "AKIDUNKNOWN"))
        #expect(unknownKey.status == 403 && "\(unknownKey.json["__type"] ?? "")".hasSuffix("UnrecognizedClientException"))
        // Ten minutes off the emulator's clock: refused as skewed, with the emulator's Date.
        let skewed = try call(api, [:], signer: Signer(date: Date().timeIntervalSince1970 - 600))
        #expect(skewed.status == 400 && "\(skewed.json["message"] ?? "")".contains("Signature expired"))
        #expect(skewed.headers.contains { $0.0 == "Date" && $0.1.hasSuffix(" GMT") })
        // The emulator's own clock can be off instead.
        let ahead = Self.api(images: 3, clockOffset: 3600)
        #expect(try call(ahead, [:]).status == 400)
        #expect(try call(ahead, [:], signer: Signer(date: Date().timeIntervalSince1970 + 3600)).status == 200)
    }

    @Test func assumeRoleGivesKeysOfTheOtherAccount() throws {
        let api = Self.api(images: 3, extra: [EmulatedAccount(id: "111111111111", images: 7, workspaces: 4)])
        let identity = try sts(api, "Action=GetCallerIdentity&Version=2011-06-15")
        #expect(identity.status == 200 && identity.text.contains("<Account>123456789012</Account>"))
        let assumed = try sts(api, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Freader&RoleSessionName=t")
        #expect(assumed.status == 200)
        let credentials = XMLReader.parse(Array(assumed.text.utf8))?.find("AssumeRoleResult", "Credentials")
        let key = try #require(credentials?.child("AccessKeyId")?.text)
        let secret = try #require(credentials?.child("SecretAccessKey")?.text)
        let token = try #require(credentials?.child("SessionToken")?.text)
        let member = Signer(key: key, secret: secret, token: token, region: "eu-west-1")
        let page = try call(api, [:], signer: member)
        #expect(page.status == 200)
        let ids = (page.json["Images"] as? [[String: Any]] ?? []).compactMap { $0["ImageId"] as? String }
        #expect(ids.count == 7 && ids == SeedImages.images(count: 7, account: "111111111111", region: "eu-west-1").compactMap(\.imageId))
        #expect(try sts(api, "Action=GetCallerIdentity&Version=2011-06-15", signer: member).text.contains("<Account>111111111111</Account>"))
        // Without the session token the temporary key is refused.
        #expect(try call(api, [:], signer: Signer(key: key, secret: secret, region: "eu-west-1")).status == 403)
        // An unknown account cannot be assumed into.
        #expect(try sts(api, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A999999999999%3Arole%2Fx&RoleSessionName=t").status == 403)
    }

    @Test func ownBundlesUnlessAskedForAmazonOnes() throws {
        let api = Self.api(images: 40)
        let own = try #require(try call(api, [:], operation: "DescribeWorkspaceBundles").json["Bundles"] as? [[String: Any]])
        #expect(!own.isEmpty && own.allSatisfy { $0["Owner"] as? String == SeedImages.ownerAccountId })
        let amazon = try #require(try call(api, ["Owner": "AMAZON"], operation: "DescribeWorkspaceBundles").json["Bundles"] as? [[String: Any]])
        #expect(amazon.count == SeedBundles.amazon.count && amazon.allSatisfy { $0["Owner"] as? String == "AMAZON" })
        let images = Set(SeedImages.images(count: 40).compactMap(\.imageId))
        let used = Set(own.compactMap { $0["ImageId"] as? String })
        #expect(used.isSubset(of: images) && used.count < images.count, "some images are unused")
    }

    @Test func workspacesInEveryStateAcrossPages() throws {
        let api = Self.api(images: 40, workspaces: 60)
        var token: String?
        var states: Set<String> = []
        var count = 0
        repeat {
            var body: [String: Any] = ["Limit": 25]
            if let token { body["NextToken"] = token }
            let json = try call(api, body, operation: "DescribeWorkspaces").json
            let items = json["Workspaces"] as? [[String: Any]] ?? []
            count += items.count
            states.formUnion(items.compactMap { $0["State"] as? String })
            token = json["NextToken"] as? String
        } while token != nil
        #expect(count == 60)
        #expect(states.isSuperset(of: Set(SeedBundles.workspaceStates)))
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
        let bytes = Array("{}".utf8)
        let reply = api.handle(method: "POST", path: "/", headers: Signer().workspaces("DescribeWorkspaceImages", bytes), body: bytes)
        guard case let .respond(_, _, answer) = reply else { Issue.record("expected a response"); return }
        let text = String(decoding: answer, as: UTF8.self)
        #expect(text.contains(#""Created":1.732811234567E9"#))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any])
        let first = try #require((json["Images"] as? [[String: Any]])?.first)
        #expect(first["Name"] as? String == #"golden\windows "2022"#)
        #expect((first["Created"] as? Double) == 1_732_811_234.567)
    }

    @Test func endlessTokensAreAllDifferent() throws {
        let api = Self.api(images: 3, fault: .endlessToken)
        var tokens: Set<String> = []
        for _ in 1...5 {
            guard let token = try call(api, [:]).json["NextToken"] as? String else { Issue.record("expected a NextToken"); return }
            tokens.insert(token)
        }
        #expect(tokens.count == 5)
    }

    @Test func faultsCanTargetOneOperation() throws {
        let api = Self.api(images: 3, fault: .accessDenied, faultOperation: "DescribeWorkspaceBundles")
        #expect(try call(api, [:]).status == 200)
        let refused = try call(api, [:], operation: "DescribeWorkspaceBundles")
        #expect(refused.status == 403 && "\(refused.json["__type"] ?? "")".hasSuffix("AccessDeniedException"))
    }

    @Test(arguments: Fault.allCases)
    func faultsHitEveryNthRequestOfAnOperation(fault: Fault) throws {
        let api = Self.api(images: 3, fault: fault, faultEvery: 2)
        let bytes = Array("{}".utf8)
        let headers = Signer().workspaces("DescribeWorkspaceImages", bytes)
        let first = api.handle(method: "POST", path: "/", headers: headers, body: bytes)
        if fault != .repeatToken {
            guard case let .respond(status, _, _) = first else { Issue.record("request 1 should be served"); return }
            #expect(status == 200)
        }
        // Another operation in between does not move the count.
        _ = try call(api, [:], operation: "DescribeWorkspaceBundles")
        let second = api.handle(method: "POST", path: "/", headers: headers, body: bytes)
        switch (fault, second) {
        case (.throttle, .respond(400, _, _)), (.serverError, .respond(500, _, _)), (.unavailable, .respond(503, _, _)),
             (.accessDenied, .respond(403, _, _)), (.reset, .reset), (.malformed, .respond(200, _, _)), (.truncated, .truncated),
             (.xmlError, .respond(403, _, _)), (.stall, .stall), (.repeatToken, .respond(200, _, _)), (.endlessToken, .respond(200, _, _)),
             (.randomCode, .respond(400, _, _)), (.crlfMessage, .respond(400, _, _)):
            break
        case (.expiredToken, .respond(200, _, _)):
            // Not an operation's fault: it refuses the first session at signature check (tested with the binary).
            break
        case let (.oversized, .respond(200, _, body)):
            #expect(body.count > 20 << 20)
        default:
            Issue.record("unexpected reply for \(fault): \(second)")
        }
    }
}
