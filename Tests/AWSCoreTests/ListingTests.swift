import AWSCore
import Synchronization
import Testing

/// A listing's digest follows the answers' bytes page by page, and a page
/// answered with the bytes recorded for it last time is not decoded: its
/// `NextToken` is the recorded one, its items are decoded only when asked for.
@Suite struct ListingTests {
    /// Decodes a page "items;token" into the items' lengths, counting calls.
    final class Decoder: Sendable {
        let calls = Atomic<Int>(0)
        var decode: Listing<Int>.Decoder {
            { [self] answer throws(AWSClientError) in
                calls.wrappingAdd(1, ordering: .relaxed)
                let parts = String(decoding: answer, as: UTF8.self).split(separator: ";", omittingEmptySubsequences: false)
                guard parts.count == 2 else { throw .invalidResponse("not a page") }
                return (parts[0].split(separator: ",").map(\.count), parts[1].isEmpty ? nil : String(parts[1]))
            }
        }
    }

    static func listing(_ pages: [String], known: [PageRecord] = [], decoder: Decoder = Decoder()) throws -> Listing<Int> {
        var listing = Listing<Int>(decoder: decoder.decode)
        for (index, page) in pages.enumerated() {
            _ = try listing.add(answer: Array(page.utf8), known: index < known.count ? known[index] : nil)
        }
        return listing
    }

    @Test func theDigestFollowsThePagesBytes() throws {
        let pages = ["a,bb;t1", "ccc;"]
        #expect(try Self.listing(pages).digest == Self.listing(pages).digest)
        #expect(try Self.listing(pages).items() == [1, 2, 3])
        #expect(try Self.listing(pages).digest != Self.listing([pages[0], "cc;"]).digest, "one byte")
        #expect(try Self.listing(pages).digest != Self.listing(pages.reversed()).digest, "the order")
        #expect(try Self.listing(["a;b", "c;"]).digest != Self.listing(["a;", "bc;"]).digest, "where a page ends")
        #expect(try Self.listing([";", ";"]).digest != Self.listing([";"]).digest, "how many pages")
        #expect(try Self.listing([]).digest == Listing<Int>.emptyDigest)
        #expect(try Self.listing([";"]).digest != Listing<Int>.emptyDigest)
    }

    @Test func aPageAnsweredAsBeforeIsNotDecoded() throws {
        let first = try Self.listing(["a,bb;t1", "ccc;t2", "d;"])
        #expect(first.records.map(\.nextToken) == ["t1", "t2", nil])
        #expect(!first.hasPendingPages)
        // The same bytes: nothing decoded, the tokens are the recorded ones.
        let decoder = Decoder()
        var again = Listing<Int>(decoder: decoder.decode)
        #expect(try again.add(answer: Array("a,bb;t1".utf8), known: first.records[0]) == "t1")
        #expect(try again.add(answer: Array("ccc;t2".utf8), known: first.records[1]) == "t2")
        // A changed page is decoded, and its own token counts.
        #expect(try again.add(answer: Array("d,e;t3".utf8), known: first.records[2]) == "t3")
        #expect(decoder.calls.load(ordering: .relaxed) == 1)
        #expect(again.hasPendingPages)
        #expect(try again.items() == [1, 2, 3, 1, 1], "the pending pages decoded when asked for")
        #expect(decoder.calls.load(ordering: .relaxed) == 3)
        let whole = try again.decoded()
        #expect(!whole.hasPendingPages && whole.digest == again.digest && whole.records == again.records)
        // A record of other bytes at that index is no help.
        let other = try Self.listing(["zz;t9"], known: [first.records[0]])
        #expect(other.records.map(\.nextToken) == ["t9"] && !other.hasPendingPages)
        // Undecodable bytes fail when decoded, never when skipped.
        #expect(throws: AWSClientError.self) { try Self.listing(["no separator"]) }
        let bad = Array("no separator".utf8)
        var digestOnly = Listing<Int> { _ throws(AWSClientError) in ([], nil) }
        _ = try digestOnly.add(answer: bad, known: nil)
        var skipped = Listing<Int>(decoder: Decoder().decode)
        #expect(try skipped.add(answer: bad, known: PageRecord(digest: digestOnly.records[0].digest, nextToken: "t")) == "t")
        #expect(throws: AWSClientError.self) { try skipped.items() }
    }
}
