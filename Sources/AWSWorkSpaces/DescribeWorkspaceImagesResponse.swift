import Foundation

/// One page of `DescribeWorkspaceImages`. ``decode(_:)`` reads it with
/// ``JSONReader``; the `Decodable` conformance is the reference the tests
/// compare that reader with.
public struct DescribeWorkspaceImagesResponse: Sendable, Decodable {
    public var images: [WorkspaceImage]
    public var nextToken: String?

    public init(images: [WorkspaceImage], nextToken: String?) {
        self.images = images
        self.nextToken = nextToken
    }

    enum CodingKeys: String, CodingKey {
        case images = "Images"
        case nextToken = "NextToken"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        images = try c.decodeIfPresent([WorkspaceImage].self, forKey: .images) ?? []
        let token = try c.decodeIfPresent(String.self, forKey: .nextToken)
        nextToken = token?.isEmpty == true ? nil : token
    }

    /// Decodes a response body, with an error that says where decoding failed.
    public static func decode(_ body: [UInt8]) throws(AWSClientError) -> DescribeWorkspaceImagesResponse {
        var reader = JSONReader(body)
        do {
            var page = DescribeWorkspaceImagesResponse(images: [], nextToken: nil)
            guard reader.peek() == UInt8(ascii: "{") else { throw reader.fail("expected a JSON object") }
            try reader.object { reader, key throws(JSONReader.Failure) in
                switch key {
                case "Images":
                    // A repeated key replaces, as with JSONDecoder.
                    page.images = []
                    if try reader.null() { return }
                    try reader.array { reader throws(JSONReader.Failure) in page.images.append(try WorkspaceImage.read(&reader)) }
                case "NextToken":
                    let token = try reader.optionalString()
                    page.nextToken = token?.isEmpty == true ? nil : token
                default:
                    try reader.skip()
                }
            }
            try reader.end()
            return page
        } catch {
            throw .invalidResponse("not a DescribeWorkspaceImages page: \(error)")
        }
    }

    /// Decodes with Foundation's `JSONDecoder`: the reference for tests.
    public static func decodeWithFoundation(_ body: [UInt8]) throws(AWSClientError) -> DescribeWorkspaceImagesResponse {
        do {
            return try JSONDecoder().decode(DescribeWorkspaceImagesResponse.self, from: Data(body))
        } catch let error as DecodingError {
            throw .invalidResponse(Self.explain(error))
        } catch {
            throw .invalidResponse("\(error)")
        }
    }

    static func explain(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "the body" : keys.joined(separator: ".")
        }
        switch error {
        case let .typeMismatch(type, context): return "\(path(context)): expected \(type)"
        case let .valueNotFound(type, context): return "\(path(context)): missing \(type)"
        case let .keyNotFound(key, context): return "\(path(context)): missing key \(key.stringValue)"
        case let .dataCorrupted(context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
