/// What one page of a listing was, kept for the next collection of the same
/// listing: the digest of its answer and the `NextToken` read from it. A page
/// answered with the same bytes next time is not decoded again
/// (``Listing/add(answer:known:)``).
public struct PageRecord: Sendable, Equatable {
    public let digest: UInt64
    public let nextToken: String?

    public init(digest: UInt64, nextToken: String?) {
        self.digest = digest
        self.nextToken = nextToken
    }
}
