import AWSCore
/// The input of one `DescribeWorkspaceImages` call.
public struct DescribeWorkspaceImagesRequest: Sendable, Hashable {
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

    /// The JSON body, members in a fixed order.
    public var body: [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("ImageIds", imageIds)
        writer.member("ImageType", imageType?.rawValue)
        writer.member("MaxResults", maxResults)
        writer.member("NextToken", nextToken)
        writer.endObject()
        return writer.bytes
    }
}

/// Owned or shared images.
public enum ImageType: String, Sendable, Hashable, CaseIterable {
    case owned = "OWNED"
    case shared = "SHARED"
}
