import AWSCore
public import AWSWorkSpaces

/// Which images to describe (`--workspaces.image-type`, `--workspaces.image-id`,
/// or a target's `image_type` and `image_ids`).
public struct ImageQuery: Sendable, Hashable {
    public var imageType: ImageType?
    public var imageIds: [String]
    /// `MaxResults` per page, 1–25; nil lets AWS choose.
    public var pageSize: Int?

    public init(imageType: ImageType? = nil, imageIds: [String] = [], pageSize: Int? = 25) {
        self.imageType = imageType
        self.imageIds = imageIds
        self.pageSize = pageSize
    }
}
