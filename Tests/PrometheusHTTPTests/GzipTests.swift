import TestSupport
import Testing
import Exposition
@testable import PrometheusHTTP

@Suite struct GzipTests {
    @Test(arguments: [0, 1, 100, 70_000, 1_000_000])
    func roundTrips(size: Int) throws {
        var generator = SystemRandomNumberGenerator()
        let text = (0..<size).map { _ in UInt8.random(in: 32...126, using: &generator) }
        let compressed = try Gzip.compress(text)
        #expect(compressed.prefix(2) == [0x1f, 0x8b])
        #expect(gunzip(compressed) == text)
    }

    @Test func chunksCompressedApartJoinIntoOneMember() throws {
        let parts: [[UInt8]] = [Array("first part\n".utf8), [], Array(repeating: UInt8(ascii: "x"), count: 200_000), Array("# EOF\n".utf8)]
        let chunks = try parts.map { part throws(Gzip.Failure) in try GzipChunk(compressing: part) }
        let joined = GzipChunk.join(chunks)
        // zlib's inflate checks the combined CRC-32 and length in the trailer.
        #expect(gunzip(joined) == Array(parts.joined()))
        #expect(gunzip(GzipChunk.join([])) == [])
        // A chunk reused in another body stays valid: the cache relies on it.
        #expect(gunzip(GzipChunk.join([chunks[3], chunks[0]])) == parts[3] + parts[0])
    }

    @Test func compressesExpositionText() throws {
        let line = Array("aws_workspaces_image_info{image_id=\"wsi-123\",name=\"x\",region=\"us-east-1\"} 1\n".utf8)
        let text = Array((0..<1000).map { _ in line }.joined())
        let compressed = try Gzip.compress(text)
        #expect(compressed.count * 10 < text.count)
        #expect(gunzip(compressed) == text)
    }

    /// A chunk keeps its deflated bytes at their own size, not the room
    /// deflate needed for the worst case (about the input's size): `/probe`
    /// keeps every target's chunks between probes.
    @Test func aChunkHoldsNoMoreMemoryThanItsBytes() throws {
        let text = Array(String(repeating: "aws_workspaces_image_info{image_id=\"wsi-0123\",state=\"AVAILABLE\"} 1\n", count: 1_000).utf8)
        let chunk = try GzipChunk(compressing: text)
        #expect(chunk.deflated.count * 10 < text.count)
        #expect(chunk.deflated.capacity <= chunk.deflated.count + 64, "capacity \(chunk.deflated.capacity) for \(chunk.deflated.count) bytes")
        #expect(gunzip(GzipChunk.join([chunk])) == text)
    }

    /// Each chunk's CRC operator, made for its own length, combines into the
    /// CRC that inflate checks, over chunks of many lengths (0, odd, powers of two).
    @Test func combinedCRCsHoldForChunksOfManyLengths() throws {
        var generator = SystemRandomNumberGenerator()
        let lengths = [0, 1, 2, 3, 7, 64, 255, 256, 1_000, 4_096, 65_535, 65_536, 100_001]
        let parts = lengths.map { count in (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        let chunks = try parts.map { part throws(Gzip.Failure) in try GzipChunk(compressing: part) }
        #expect(gunzip(GzipChunk.join(chunks)) == Array(parts.joined()))
        #expect(gunzip(GzipChunk.join(chunks.reversed())) == Array(parts.reversed().joined()))
    }

    /// Stored chunks (deflate's stored blocks, 64 KiB at most each) join with
    /// deflated ones into one member that inflates to the text in order.
    @Test func storedChunksJoinWithDeflatedOnes() throws {
        var generator = SystemRandomNumberGenerator()
        let lengths = [0, 1, 300, 65_535, 65_536, 200_000]
        let parts = lengths.map { count in (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) } }
        let stored = parts.map { GzipChunk(storing: $0) }
        for (part, chunk) in zip(parts, stored) {
            #expect(chunk.deflated.count == part.count + 5 * max(1, (part.count + 65_534) / 65_535))
        }
        let deflated = try parts.map { part throws(Gzip.Failure) in try GzipChunk(compressing: part) }
        let mixed = zip(stored, deflated).flatMap { [$0, $1] }
        #expect(gunzip(GzipChunk.join(mixed)) == Array(parts.flatMap { $0 + $0 }))
        #expect(gunzip(GzipChunk.join(stored.reversed())) == Array(parts.reversed().joined()))
    }

    /// OpenMetrics' trailer is deflated once and shared; any other text is
    /// deflated as given.
    @Test func theOpenMetricsTrailerIsDeflatedOnce() throws {
        let trailer = ExpositionFormat.openMetrics(version: "1.0.0").trailer
        let first = try #require(GzipChunk.trailer(trailer))
        let second = try #require(GzipChunk.trailer(trailer))
        // One deflate: both are the same stored bytes, not equal copies.
        let storage = { (chunk: GzipChunk) in chunk.deflated.withUnsafeBufferPointer { $0.baseAddress } }
        #expect(storage(first) == storage(second))
        #expect(gunzip(GzipChunk.join([first])) == trailer)
        let other = Array("# other\n".utf8)
        #expect(gunzip(GzipChunk.join([try #require(GzipChunk.trailer(other)), first])) == other + trailer)
    }
}
