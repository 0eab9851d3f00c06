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
        try await walk(operation, deadline: deadline, members: members) { answer throws(AWSClientError) in
            let (page, next) = try JSONReader.page(answer, items: key, operation: operation, item: item)
            all += page
            return next
        }
        return all
    }

    /// Every page as a ``Listing``: a page answered with the bytes of the
    /// same page in `known` (the last collection's records) is not decoded.
    package func listing<Item>(
        _ operation: String, items key: String, deadline: ContinuousClock.Instant?, known: [PageRecord] = [],
        item: @escaping @Sendable (inout JSONReader) throws(JSONReader.Failure) -> Item, members: (inout JSONWriter) -> Void = { _ in }
    ) async throws(AWSClientError) -> Listing<Item> {
        var listing = Listing<Item> { answer throws(AWSClientError) in
            let (items, next) = try JSONReader.page(answer, items: key, operation: operation, item: item)
            return (items, next)
        }
        try await walk(operation, deadline: deadline, members: members) { answer throws(AWSClientError) in
            let index = listing.records.count
            return try listing.add(answer: answer, known: index < known.count ? known[index] : nil)
        }
        return listing
    }

    /// Requests page after page (the request's members, then `NextToken`)
    /// and hands each answer to `page`, which returns the next token.
    private func walk(
        _ operation: String, deadline: ContinuousClock.Instant?, members: (inout JSONWriter) -> Void,
        page: ([UInt8]) throws(AWSClientError) -> String?
    ) async throws(AWSClientError) {
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
            token = try pages.check(try page(answer))
        } while token != nil
    }

    /// One call of `operation`, retried per the sender's policy.
    package func call(_ operation: String, body: [UInt8], deadline: ContinuousClock.Instant?) async throws(AWSClientError) -> [UInt8] {
        try await sender.send(
            operation: operation,
            headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "\(targetPrefix).\(operation)")],
            body: body, deadline: deadline)
    }
}
