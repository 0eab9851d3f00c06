/// Every page of a paginated operation of the AWS JSON 1.1 protocol (the
/// WorkSpaces and Organizations listings): the request's own members, then
/// `NextToken`, each page's items read by `item`, until no token comes back.
/// ``PageGuard`` stops a `NextToken` loop and a listing of more than `maxPages` pages.
package struct JSONPaginator: Sendable {
    let sender: AWSRequestSender
    /// The `X-Amz-Target` prefix: `WorkspacesService`, `AWSOrganizationsV20161128`.
    let targetPrefix: String
    let maxPages: Int

    package init(sender: AWSRequestSender, targetPrefix: String, maxPages: Int) {
        self.sender = sender
        self.targetPrefix = targetPrefix
        self.maxPages = maxPages
    }

    package func all<Item>(
        _ operation: String, items key: String, deadline: ContinuousClock.Instant?,
        item: (inout JSONReader) throws(JSONReader.Failure) -> Item, members: (inout JSONWriter) -> Void = { _ in }
    ) async throws(AWSClientError) -> [Item] {
        var all: [Item] = []
        var pages = PageGuard(operation: operation, maxPages: maxPages)
        var token: String?
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

    /// One call of `operation`, retried per the sender's policy.
    package func call(_ operation: String, body: [UInt8], deadline: ContinuousClock.Instant?) async throws(AWSClientError) -> [UInt8] {
        try await sender.send(
            operation: operation,
            headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "\(targetPrefix).\(operation)")],
            body: body, deadline: deadline)
    }
}
