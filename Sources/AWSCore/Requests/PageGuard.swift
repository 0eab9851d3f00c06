/// Guards a pagination against `NextToken` loops: a token seen twice in one
/// request chain, or more pages than allowed in one collection.
package struct PageGuard {
    let operation: String
    let maxPages: Int
    private var pages = 0
    private var seen: Set<String> = []

    package init(operation: String, maxPages: Int) {
        self.operation = operation
        self.maxPages = maxPages
    }

    package mutating func startChain() {
        seen.removeAll()
    }

    package mutating func next() throws(AWSClientError) {
        pages += 1
        guard pages <= maxPages else {
            throw .pagination("more than \(maxPages) pages of \(operation) in one collection (--workspaces.max-pages); stopping in case NextToken loops")
        }
    }

    /// The token to follow, or nil at the end.
    package mutating func check(_ token: String?) throws(AWSClientError) -> String? {
        guard let token else { return nil }
        guard seen.insert(token).inserted else {
            throw .pagination("\(operation) returned NextToken \"\(token.bounded(maxBytes: 64))\" twice; stopping to avoid a loop")
        }
        return token
    }
}
