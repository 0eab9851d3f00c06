import Support

/// The items of every page of a listing, with a digest of the answers they
/// were read from, page by page: two listings with the same digest were read
/// from the same bytes, so whatever is built from them alone comes out the
/// same (the collector skips building families whose answers did not
/// change). ``FastHash``, keyed at random per process: an accidental
/// collision is a chance in about 2^64, and one aimed for could only make a
/// page look as the endpoint answered before, which it could send anyway.
///
/// A page whose answer has the digest the same page had in the last
/// collection (its ``PageRecord``) is not decoded: its `NextToken` is the
/// one read from those bytes then. Its items are decoded only when asked
/// for (``items()``), which a collection whose answers are all unchanged
/// need not do.
public struct Listing<Item> {
    /// Decodes one page's answer: its items and `NextToken`.
    public typealias Decoder = @Sendable ([UInt8]) throws(AWSClientError) -> (items: [Item], nextToken: String?)

    fileprivate enum Page {
        case decoded([Item])
        case pending([UInt8])
    }

    private var pages: [Page]
    /// Each page's digest and `NextToken`, for the next collection.
    public private(set) var records: [PageRecord] = []
    public private(set) var digest: UInt64
    private let decoder: Decoder

    /// An empty listing whose pages `decoder` reads.
    public init(decoder: @escaping Decoder) {
        self.pages = []
        self.digest = Self.emptyDigest
        self.decoder = decoder
    }

    /// The digest of a listing of no page.
    public static var emptyDigest: UInt64 { 0x6C69_7374_696E_6721 }

    /// Adds the next page's answer and returns its `NextToken`: decoded, or
    /// taken from `known` when the answer is the bytes `known` was read from.
    public mutating func add(answer: [UInt8], known: PageRecord?) throws(AWSClientError) -> String? {
        let pageDigest = answer.withUnsafeBytes { FastHash.random.hash($0) }
        let token: String?
        if let known, known.digest == pageDigest {
            // Kept at its own size: a body read in chunks grew by doubling.
            pages.append(.pending(answer.count == answer.capacity ? answer : answer.withUnsafeBufferPointer { Array($0) }))
            token = known.nextToken
        } else {
            let page = try decoder(answer)
            pages.append(.decoded(page.items))
            token = page.nextToken
        }
        records.append(PageRecord(digest: pageDigest, nextToken: token))
        digest = FastHash.random.hash(of: (digest, pageDigest, UInt64(answer.count)))
        return token
    }

    /// Whether some page was left undecoded.
    public var hasPendingPages: Bool {
        pages.contains { if case .pending = $0 { true } else { false } }
    }

    /// Every page's items, in order; pages left undecoded are decoded now
    /// (bytes that decoded before, so this fails only as the decoder would).
    public func items() throws(AWSClientError) -> [Item] {
        // One decoded page (a listing made ``decoded()``): its array, not a copy.
        if pages.count == 1, case let .decoded(items) = pages[0] { return items }
        var all: [Item] = []
        for page in pages {
            switch page {
            case let .decoded(items):
                all += items
            case let .pending(answer):
                all += try decoder(answer).items
            }
        }
        return all
    }

    /// The listing with every page decoded.
    public func decoded() throws(AWSClientError) -> Listing {
        guard hasPendingPages else { return self }
        var copy = self
        copy.pages = [.decoded(try items())]
        return copy
    }
}

extension Listing: Sendable where Item: Sendable {}
extension Listing.Page: Sendable where Item: Sendable {}
