import AWSCore
import AWSWorkSpaces
import Foundation

/// The WorkSpaces operations as the emulator answers them, for the calling
/// account and the signed region, with the configured faults.
struct WorkSpacesOperations {
    let api: EmulatorAPI
    var configuration: EmulatorConfiguration { api.configuration }

    static let operations: Set<String> = ["DescribeWorkspaceImages", "DescribeWorkspaceBundles", "DescribeWorkspaces", "DescribeWorkspaceImagePermissions"]

    func handle(operation: String, caller: EmulatorAPI.Caller, body: [UInt8]) -> EmulatorReply {
        guard Self.operations.contains(operation) else {
            return .awsError(400, code: "UnknownOperationException", message: "The emulator does not implement \(operation)")
        }
        guard let account = api.accounts[caller.account] else {
            return .awsError(403, code: "AccessDeniedException", message: "Unknown account")
        }
        let faultApplies = (configuration.faultRegion.map { $0 == caller.region } ?? true)
            && (configuration.faultOperation.map { $0 == operation } ?? true)
        let number = api.number(of: operation)
        if configuration.fault == .endlessToken, faultApplies {
            return .json(200, Array(#"{"\#(Self.itemsKey(operation))":[],"NextToken":"endless-\#(number)"}"#.utf8))
        }
        if let fault = configuration.fault, faultApplies, number % configuration.faultEvery == 0, fault != .repeatToken, fault != .expiredToken {
            return reply(for: fault, operation: operation, number: number)
        }
        guard let input = (try? JSONSerialization.jsonObject(with: Data(body.isEmpty ? Array("{}".utf8) : body))) as? [String: Any] else {
            return .awsError(400, code: "SerializationException", message: "The request body is not a JSON object")
        }
        let repeatToken = configuration.fault == .repeatToken && faultApplies
        switch operation {
        case "DescribeWorkspaceImages":
            return describeImages(input, account: account, region: caller.region, repeatToken: repeatToken)
        case "DescribeWorkspaceImagePermissions":
            return imagePermissions(input, account: account, region: caller.region)
        case "DescribeWorkspaceBundles":
            var bundles = account.bundles(region: caller.region)
            if let owner = input["Owner"] as? String {
                guard owner == "AMAZON" else { return .awsError(400, code: "InvalidParameterValuesException", message: "Owner must be AMAZON or absent") }
                bundles = SeedBundles.amazon
            }
            return page(bundles, key: "Bundles", input: input, pageSize: 25, repeatToken: repeatToken) { $0.writeJSON(to: &$1) }
        default:
            var pageSize = 25
            if let limit = input["Limit"] as? Int {
                guard (1...25).contains(limit) else { return .awsError(400, code: "InvalidParameterValuesException", message: "Limit must be from 1 to 25") }
                pageSize = limit
            }
            return page(account.workspaces(region: caller.region), key: "Workspaces", input: input, pageSize: pageSize, repeatToken: repeatToken) { $0.writeJSON(to: &$1) }
        }
    }

    static func itemsKey(_ operation: String) -> String {
        switch operation {
        case "DescribeWorkspaceBundles": return "Bundles"
        case "DescribeWorkspaces": return "Workspaces"
        default: return "Images"
        }
    }

    func describeImages(_ input: [String: Any], account: EmulatedAccount, region: String, repeatToken: Bool) -> EmulatorReply {
        var images = account.images(region: region)
        if let type = input["ImageType"] as? String {
            switch type {
            case "OWNED": images = images.filter { $0.ownerAccountId == account.id }
            case "SHARED": images = images.filter { $0.ownerAccountId != account.id }
            default: return .awsError(400, code: "ValidationException", message: "ImageType must be OWNED or SHARED")
            }
        }
        if let ids = input["ImageIds"] as? [String] {
            guard (1...25).contains(ids.count) else {
                return .awsError(400, code: "ValidationException", message: "ImageIds must have 1 to 25 members")
            }
            let wanted = Set(ids)
            images = images.filter { $0.imageId.map(wanted.contains) ?? false }
        }
        var pageSize = configuration.defaultPageSize
        if let maxResults = input["MaxResults"] as? Int {
            guard (1...25).contains(maxResults) else {
                return .awsError(400, code: "ValidationException", message: "MaxResults must be from 1 to 25")
            }
            pageSize = maxResults
        }
        return page(images, key: "Images", input: input, pageSize: pageSize, repeatToken: repeatToken) { $0.writeJSON(to: &$1) }
    }

    /// Who each owned image is shared with: ``EmulatedAccount/sharedAccounts(imageIndex:)``.
    func imagePermissions(_ input: [String: Any], account: EmulatedAccount, region: String) -> EmulatorReply {
        let images = account.images(region: region)
        guard let id = input["ImageId"] as? String, let index = images.firstIndex(where: { $0.imageId == id }), images[index].ownerAccountId == account.id else {
            return .awsError(400, code: "ResourceNotFoundException", message: "The image was not found or is not owned by this account")
        }
        let shared = account.sharedAccounts(imageIndex: index, organization: configuration.accounts.map(\.id))
        return page(shared, key: "ImagePermissions", input: input, pageSize: (input["MaxResults"] as? Int) ?? 25, repeatToken: false) { account, writer in
            writer.beginObject()
            writer.member("SharedAccountId", account)
            writer.endObject()
        }
    }

    /// One page of `items` from `NextToken` (`page-<offset>`) on.
    func page<Item>(_ items: [Item], key: String, input: [String: Any], pageSize: Int, repeatToken: Bool, write: (Item, inout JSONWriter) -> Void) -> EmulatorReply {
        var offset = 0
        if let token = input["NextToken"] as? String {
            guard token.hasPrefix("page-"), let value = Int(token.dropFirst(5)), value >= 0, value <= items.count else {
                return .awsError(400, code: "InvalidParameterValuesException", message: "The NextToken is not valid")
            }
            offset = value
        }
        let end = min(offset + pageSize, items.count)
        var writer = JSONWriter()
        writer.beginObject()
        writer.key(key)
        writer.beginArray()
        for item in items[offset..<end] { write(item, &writer) }
        writer.endArray()
        if repeatToken {
            writer.member("NextToken", "page-0")
        } else if end < items.count {
            writer.member("NextToken", "page-\(end)")
        }
        writer.endObject()
        return .json(200, writer.bytes)
    }

    func reply(for fault: Fault, operation: String, number: Int) -> EmulatorReply {
        switch fault {
        case .throttle:
            return .awsError(400, code: "ThrottlingException", message: "Rate exceeded")
        case .serverError:
            return .awsError(500, code: "InternalServerException", message: "We encountered an internal error. Please try again.")
        case .unavailable:
            return .respond(status: 503, headers: [("Content-Type", "text/plain")], body: Array("Service Unavailable\n".utf8))
        case .accessDenied:
            return .awsError(403, code: "AccessDeniedException", message: "User: arn:aws:sts::123456789012:assumed-role/emulated is not authorized to perform: workspaces:\(operation)")
        case .reset:
            return .reset
        case .malformed:
            return .json(200, Array("<html>this is not JSON".utf8))
        case .truncated:
            return .truncated(body: Array(#"{"Images":[{"ImageId":"wsi-trunc","Na"#.utf8))
        case .xmlError:
            let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message></Error><RequestId>emulated</RequestId></ErrorResponse>
            """
            return .respond(status: 403, headers: [("Content-Type", "text/html")], body: Array(xml.utf8))
        case .oversized:
            return .json(200, Array(#"{"Images":[],"NextToken":""#.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 20 << 20) + Array(#""}"#.utf8))
        case .stall:
            return .stall
        case .repeatToken:
            return .json(200, Array(#"{"Images":[],"NextToken":"page-0"}"#.utf8))
        case .endlessToken:
            return .json(200, Array(#"{"Images":[],"NextToken":"endless-0"}"#.utf8))
        case .randomCode:
            // Distinct per request, and long: what a hostile endpoint could send.
            return .awsError(400, code: "Random\(number)Exception\(String(repeating: "x", count: 200))", message: "random code \(number)")
        case .crlfMessage:
            return .awsError(400, code: "ValidationException", message: "bad request\r\nts=2026-01-01T00:00:00.000Z level=error msg=FORGED\r\n")
        case .expiredToken:
            // Applied when the signature is checked (EmulatorAPI.verify), not here.
            return .awsError(400, code: "ExpiredTokenException", message: "The security token included in the request is expired")
        }
    }
}
