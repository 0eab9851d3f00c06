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

    /// Every image matching the query, as a ``Listing``: follows `NextToken`
    /// to the end, and splits more than 25 image ids into several request
    /// chains. The page limit counts the pages of all chains together. A
    /// page answered with the bytes of the same page in `known` (the last
    /// collection's records) is not decoded.
    public func allWorkspaceImages(
        imageType: ImageType?, imageIds: [String], pageSize: Int?, deadline: ContinuousClock.Instant? = nil, known: [PageRecord] = []
    ) async throws(AWSClientError) -> Listing<WorkspaceImage> {
        let chunkSize = WorkSpacesModel.maxImageIdsPerRequest
        let idChunks: [[String]?] = imageIds.isEmpty
            ? [nil]
            : stride(from: 0, to: imageIds.count, by: chunkSize).map { Array(imageIds[$0..<min($0 + chunkSize, imageIds.count)]) }
        var images = Listing<WorkspaceImage> { answer throws(AWSClientError) in
            let page = try DescribeWorkspaceImagesResponse.decode(answer)
            return (page.images, page.nextToken)
        }
        var pages = PageGuard(operation: "DescribeWorkspaceImages", maxPages: maxPages)
        for ids in idChunks {
            pages.startChain()
            var token: String? = nil
            repeat {
                try pages.next()
                let request = DescribeWorkspaceImagesRequest(imageIds: ids, imageType: imageType, nextToken: token, maxResults: pageSize)
                let answer = try await call("DescribeWorkspaceImages", body: request.body, deadline: deadline)
                let index = images.records.count
                token = try pages.check(try images.add(answer: answer, known: index < known.count ? known[index] : nil))
            } while token != nil
        }
        return images
    }

    /// The account's own bundles (no `Owner`, which would select AWS's public
    /// ones), every page, as a ``Listing`` (see ``allWorkspaceImages(imageType:imageIds:pageSize:deadline:known:)``).
    public func allWorkspaceBundles(deadline: ContinuousClock.Instant? = nil, known: [PageRecord] = []) async throws(AWSClientError) -> Listing<WorkspaceBundle> {
        try await paginator.listing("DescribeWorkspaceBundles", items: "Bundles", deadline: deadline, known: known, item: WorkspaceBundle.read)
    }

    /// Every WorkSpace of the account and region, 25 per page (the most the API gives).
    public func allWorkspaces(deadline: ContinuousClock.Instant? = nil, known: [PageRecord] = []) async throws(AWSClientError) -> Listing<Workspace> {
        try await paginator.listing("DescribeWorkspaces", items: "Workspaces", deadline: deadline, known: known, item: Workspace.read) { writer in
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
