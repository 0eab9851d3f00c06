public import AWSCore
public import AWSWorkSpaces
import Foundation

/// Foundation's `JSONDecoder` reading of a `DescribeWorkspaceImages` page:
/// the reference that the exporter's own `JSONReader` is fuzzed against
/// (AWSWorkSpacesTests) and benchmarked next to (workspaces_render_bench).
/// It lives here, beside the emulator, because the exporter never uses it.
public enum ReferenceDecoder {
    public static func decode(_ body: [UInt8]) throws(AWSClientError) -> DescribeWorkspaceImagesResponse {
        do {
            let page = try JSONDecoder().decode(Page.self, from: Data(body))
            return DescribeWorkspaceImagesResponse(images: page.images.map(\.value), nextToken: page.nextToken?.isEmpty == true ? nil : page.nextToken)
        } catch let error as DecodingError {
            throw .invalidResponse(explain(error))
        } catch {
            throw .invalidResponse("\(error)")
        }
    }

    struct Page: Decodable {
        let images: [Image]
        let nextToken: String?

        enum CodingKeys: String, CodingKey { case images = "Images", nextToken = "NextToken" }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            images = try c.decodeIfPresent([Image].self, forKey: .images) ?? []
            nextToken = try c.decodeIfPresent(String.self, forKey: .nextToken)
        }
    }

    struct Image: Decodable {
        let value: WorkspaceImage

        struct OperatingSystem: Decodable {
            let type: String?
            enum CodingKeys: String, CodingKey { case type = "Type" }
        }
        struct Updates: Decodable { let UpdateAvailable: Bool?; let Description: String? }
        struct Detail: Decodable { let ErrorCode: String?; let ErrorMessage: String? }

        enum CodingKeys: String, CodingKey {
            case imageId = "ImageId", name = "Name", description = "Description", operatingSystem = "OperatingSystem"
            case state = "State", requiredTenancy = "RequiredTenancy", errorCode = "ErrorCode", errorMessage = "ErrorMessage"
            case created = "Created", ownerAccountId = "OwnerAccountId", updates = "Updates", errorDetails = "ErrorDetails"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let system = try c.decodeIfPresent(OperatingSystem.self, forKey: .operatingSystem)
            let updates = try c.decodeIfPresent(Updates.self, forKey: .updates)
            let details = try c.decodeIfPresent([Detail].self, forKey: .errorDetails)
            value = WorkspaceImage(
                imageId: try c.decodeIfPresent(String.self, forKey: .imageId),
                name: try c.decodeIfPresent(String.self, forKey: .name),
                description: try c.decodeIfPresent(String.self, forKey: .description),
                operatingSystem: system.map { .init(type: $0.type) },
                state: try c.decodeIfPresent(String.self, forKey: .state),
                requiredTenancy: try c.decodeIfPresent(String.self, forKey: .requiredTenancy),
                errorCode: try c.decodeIfPresent(String.self, forKey: .errorCode),
                errorMessage: try c.decodeIfPresent(String.self, forKey: .errorMessage),
                created: try c.decodeIfPresent(Double.self, forKey: .created),
                ownerAccountId: try c.decodeIfPresent(String.self, forKey: .ownerAccountId),
                updates: updates.map { .init(updateAvailable: $0.UpdateAvailable, description: $0.Description) },
                errorDetails: details?.map { .init(errorCode: $0.ErrorCode, errorMessage: $0.ErrorMessage) })
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
