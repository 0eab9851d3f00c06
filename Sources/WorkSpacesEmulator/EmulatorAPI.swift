import Foundation

/// The emulated WorkSpaces API: request in, reply out, no I/O.
public struct EmulatorAPI: Sendable {
    public let configuration: EmulatorConfiguration

    public init(configuration: EmulatorConfiguration) {
        self.configuration = configuration
    }

    /// Answers the `number`-th (from 1) DescribeWorkspaceImages request.
    public func handle(number: Int, method: String, path: String, headers: [String: String], body: [UInt8]) -> EmulatorReply {
        guard method == "POST" else {
            return .respond(status: 405, headers: [("Content-Type", "text/plain")], body: Array("only POST\n".utf8))
        }
        guard headers["authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=") == true else {
            return .awsError(403, code: "MissingAuthenticationTokenException", message: "Missing Authentication Token")
        }
        guard headers["x-amz-target"] == "WorkspacesService.DescribeWorkspaceImages" else {
            return .awsError(400, code: "UnknownOperationException", message: "The emulator only implements DescribeWorkspaceImages")
        }
        let faultApplies = configuration.faultRegion.map { $0 == Self.signedRegion(headers["authorization"]) } ?? true
        if configuration.fault == .endlessToken, faultApplies {
            return .json(200, Array(#"{"Images":[],"NextToken":"endless-\#(number)"}"#.utf8))
        }
        if let fault = configuration.fault, faultApplies, number % configuration.faultEvery == 0, fault != .repeatToken {
            return reply(for: fault)
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.isEmpty ? Array("{}".utf8) : body))) as? [String: Any] else {
            return .awsError(400, code: "SerializationException", message: "The request body is not a JSON object")
        }
        return describe(object, repeatToken: configuration.fault == .repeatToken && faultApplies)
    }

    /// The region in a SigV4 credential scope: `Credential=AKID/20251129/REGION/workspaces/aws4_request`.
    static func signedRegion(_ authorization: String?) -> String? {
        guard let authorization, let start = authorization.range(of: "Credential=") else { return nil }
        let scope = authorization[start.upperBound...].prefix { $0 != "," }.split(separator: "/")
        return scope.count >= 3 ? String(scope[2]) : nil
    }

    func describe(_ input: [String: Any], repeatToken: Bool) -> EmulatorReply {
        var images = configuration.images
        if let type = input["ImageType"] as? String {
            switch type {
            case "OWNED": images = images.filter { $0.ownerAccountId == SeedImages.ownerAccountId }
            case "SHARED": images = images.filter { $0.ownerAccountId != SeedImages.ownerAccountId }
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
        var offset = 0
        if let token = input["NextToken"] as? String {
            guard token.hasPrefix("page-"), let value = Int(token.dropFirst(5)), value >= 0, value <= images.count else {
                return .awsError(400, code: "InvalidParameterValuesException", message: "The NextToken is not valid")
            }
            offset = value
        }
        let end = min(offset + pageSize, images.count)
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("Images")
        writer.beginArray()
        for image in images[offset..<end] { image.writeJSON(to: &writer) }
        writer.endArray()
        if repeatToken {
            writer.member("NextToken", "page-0")
        } else if end < images.count {
            writer.member("NextToken", "page-\(end)")
        }
        writer.endObject()
        return .json(200, writer.bytes)
    }

    func reply(for fault: Fault) -> EmulatorReply {
        switch fault {
        case .throttle:
            return .awsError(400, code: "ThrottlingException", message: "Rate exceeded")
        case .serverError:
            return .awsError(500, code: "InternalServerException", message: "We encountered an internal error. Please try again.")
        case .unavailable:
            return .respond(status: 503, headers: [("Content-Type", "text/plain")], body: Array("Service Unavailable\n".utf8))
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
        }
    }
}
