public import AWSCore
import Support

/// The WorkSpaces operations the exporter reads, over the AWS JSON 1.1
/// protocol, for one account and region: `DescribeWorkspaceImages`,
/// `DescribeWorkspaceBundles` and `DescribeWorkspaces`, each followed through
/// every page.
public struct WorkSpacesClient: Sendable {
    let sender: AWSRequestSender
    /// Most pages one collection of one operation may read before it is
    /// treated as a `NextToken` loop.
    public let maxPages: Int

    public init(sender: AWSRequestSender, maxPages: Int = 1000) {
        self.sender = sender
        self.maxPages = maxPages
    }

    public var region: String { sender.region }
    public var endpoint: Endpoint { sender.endpoint }

    /// One `DescribeWorkspaceImages` call, retried per the policy, within `deadline`.
    public func describeWorkspaceImages(_ input: DescribeWorkspaceImagesRequest, deadline: ContinuousClock.Instant? = nil) async throws(AWSClientError) -> DescribeWorkspaceImagesResponse {
        let answer = try await call("DescribeWorkspaceImages", body: input.body, deadline: deadline)
        return try DescribeWorkspaceImagesResponse.decode(answer)
    }

    /// Every image matching the query: follows `NextToken` to the end, and
    /// splits more than 25 image ids into several request chains. The page
    /// limit counts the pages of all chains together.
    public func allWorkspaceImages(imageType: ImageType?, imageIds: [String], pageSize: Int?, deadline: ContinuousClock.Instant? = nil) async throws(AWSClientError) -> [WorkspaceImage] {
        let chunkSize = WorkSpacesModel.maxImageIdsPerRequest
        let idChunks: [[String]?] = imageIds.isEmpty
            ? [nil]
            : stride(from: 0, to: imageIds.count, by: chunkSize).map { Array(imageIds[$0..<min($0 + chunkSize, imageIds.count)]) }
        var images: [WorkspaceImage] = []
        var pages = PageGuard(operation: "DescribeWorkspaceImages", maxPages: maxPages)
        for ids in idChunks {
            pages.startChain()
            var token: String? = nil
            repeat {
                try pages.next()
                let page = try await describeWorkspaceImages(
                    DescribeWorkspaceImagesRequest(imageIds: ids, imageType: imageType, nextToken: token, maxResults: pageSize),
                    deadline: deadline)
                images += page.images
                token = try pages.check(page.nextToken)
            } while token != nil
        }
        return images
    }

    /// The account's own bundles (no `Owner`, which would select AWS's public
    /// ones), every page.
    public func allWorkspaceBundles(deadline: ContinuousClock.Instant? = nil) async throws(AWSClientError) -> [WorkspaceBundle] {
        try await paginator.all("DescribeWorkspaceBundles", items: "Bundles", deadline: deadline, item: WorkspaceBundle.read)
    }

    /// Every WorkSpace of the account and region, 25 per page (the most the API gives).
    public func allWorkspaces(deadline: ContinuousClock.Instant? = nil) async throws(AWSClientError) -> [Workspace] {
        try await paginator.all("DescribeWorkspaces", items: "Workspaces", deadline: deadline, item: Workspace.read) { writer in
            writer.member("Limit", WorkSpacesModel.maxResultsRange.upperBound)
        }
    }

    /// The accounts image `imageId` is shared with
    /// (`DescribeWorkspaceImagePermissions`), every page.
    public func imagePermissions(imageId: String, deadline: ContinuousClock.Instant? = nil) async throws(AWSClientError) -> [String] {
        let accounts = try await paginator.all("DescribeWorkspaceImagePermissions", items: "ImagePermissions", deadline: deadline, item: Self.readSharedAccount) { writer in
            writer.member("ImageId", imageId)
            writer.member("MaxResults", WorkSpacesModel.maxResultsRange.upperBound)
        }
        return accounts.compactMap { $0 }
    }

    /// One `ImagePermissions` member's `SharedAccountId`.
    package static func readSharedAccount(_ reader: inout JSONReader) throws(JSONReader.Failure) -> String? {
        var account: String?
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "SharedAccountId" { account = try reader.optionalString() } else { try reader.skip() }
        }
        return account
    }

    func call(_ operation: String, body: [UInt8], deadline: ContinuousClock.Instant?) async throws(AWSClientError) -> [UInt8] {
        try await paginator.call(operation, body: body, deadline: deadline)
    }

    private var paginator: JSONPaginator { JSONPaginator(sender: sender, targetPrefix: "WorkspacesService", maxPages: maxPages) }
}
