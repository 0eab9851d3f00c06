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
        try await pages("DescribeWorkspaceBundles", items: "Bundles", deadline: deadline, item: WorkspaceBundle.read) { _ in }
    }

    /// Every WorkSpace of the account and region, 25 per page (the most the API gives).
    public func allWorkspaces(deadline: ContinuousClock.Instant? = nil) async throws(AWSClientError) -> [Workspace] {
        try await pages("DescribeWorkspaces", items: "Workspaces", deadline: deadline, item: Workspace.read) { writer in
            writer.member("Limit", WorkSpacesModel.maxResultsRange.upperBound)
        }
    }

    /// The accounts image `imageId` is shared with
    /// (`DescribeWorkspaceImagePermissions`), every page.
    public func imagePermissions(imageId: String, deadline: ContinuousClock.Instant? = nil) async throws(AWSClientError) -> [String] {
        let accounts = try await pages("DescribeWorkspaceImagePermissions", items: "ImagePermissions", deadline: deadline, item: Self.readSharedAccount) { writer in
            writer.member("ImageId", imageId)
            writer.member("MaxResults", WorkSpacesModel.maxResultsRange.upperBound)
        }
        return accounts.compactMap { $0 }
    }

    /// Every page of `operation`: the request's own members, then `NextToken`.
    private func pages<Item>(
        _ operation: String, items key: String, deadline: ContinuousClock.Instant?,
        item: (inout JSONReader) throws(JSONReader.Failure) -> Item, members: (inout JSONWriter) -> Void
    ) async throws(AWSClientError) -> [Item] {
        var all: [Item] = []
        var pages = PageGuard(operation: operation, maxPages: maxPages)
        var token: String? = nil
        repeat {
            try pages.next()
            var writer = JSONWriter()
            writer.beginObject()
            members(&writer)
            writer.member("NextToken", token)
            writer.endObject()
            let answer = try await call(operation, body: writer.bytes, deadline: deadline)
            let (page, next) = try JSONReader.page(answer, items: key, operation: operation, item: item)
            all += page
            token = try pages.check(next)
        } while token != nil
        return all
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
        try await sender.send(
            operation: operation,
            headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "WorkspacesService.\(operation)")],
            body: body, deadline: deadline)
    }
}

/// Guards a pagination against `NextToken` loops: a token seen twice in one
/// request chain, or more pages than allowed in one collection.
struct PageGuard {
    let operation: String
    let maxPages: Int
    private var pages = 0
    private var seen: Set<String> = []

    init(operation: String, maxPages: Int) {
        self.operation = operation
        self.maxPages = maxPages
    }

    mutating func startChain() {
        seen.removeAll()
    }

    mutating func next() throws(AWSClientError) {
        pages += 1
        guard pages <= maxPages else {
            throw .pagination("more than \(maxPages) pages of \(operation) in one collection (--workspaces.max-pages); stopping in case NextToken loops")
        }
    }

    /// The token to follow, or nil at the end.
    mutating func check(_ token: String?) throws(AWSClientError) -> String? {
        guard let token else { return nil }
        guard seen.insert(token).inserted else {
            throw .pagination("\(operation) returned NextToken \"\(token.bounded(maxBytes: 64))\" twice; stopping to avoid a loop")
        }
        return token
    }
}
