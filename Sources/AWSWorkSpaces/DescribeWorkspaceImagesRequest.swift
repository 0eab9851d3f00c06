/// The input of one `DescribeWorkspaceImages` call.
public struct DescribeWorkspaceImagesRequest: Sendable, Hashable, Encodable {
    public var imageIds: [String]?
    public var imageType: ImageType?
    public var nextToken: String?
    public var maxResults: Int?

    public init(imageIds: [String]? = nil, imageType: ImageType? = nil, nextToken: String? = nil, maxResults: Int? = nil) {
        self.imageIds = imageIds
        self.imageType = imageType
        self.nextToken = nextToken
        self.maxResults = maxResults
    }

    enum CodingKeys: String, CodingKey {
        case imageIds = "ImageIds", imageType = "ImageType", nextToken = "NextToken", maxResults = "MaxResults"
    }
}

/// Owned or shared images.
public enum ImageType: String, Sendable, Hashable, Encodable, CaseIterable {
    case owned = "OWNED"
    case shared = "SHARED"
}
