import Foundation

/// One page of `DescribeWorkspaceImages`.
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
