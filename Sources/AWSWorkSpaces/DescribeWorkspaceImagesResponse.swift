public import AWSCore
/// One page of `DescribeWorkspaceImages`, read with ``JSONReader``.
public struct DescribeWorkspaceImagesResponse: Sendable {
    public var images: [WorkspaceImage]
    public var nextToken: String?

    public init(images: [WorkspaceImage], nextToken: String?) {
        self.images = images
        self.nextToken = nextToken
    }

    /// Decodes a response body, with an error that says where decoding failed.
    public static func decode(_ body: [UInt8]) throws(AWSClientError) -> DescribeWorkspaceImagesResponse {
        let (images, token) = try JSONReader.page(body, items: "Images", operation: "DescribeWorkspaceImages") { reader throws(JSONReader.Failure) in
            try WorkspaceImage.read(&reader)
        }
        return DescribeWorkspaceImagesResponse(images: images, nextToken: token)
    }
}
