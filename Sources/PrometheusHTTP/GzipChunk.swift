import CZlib
import Exposition

/// A piece of a gzip body, deflated on its own, so that a body can be
/// assembled from pieces compressed at different times: a large part cached
/// once per collection and a small part compressed per request.
///
/// Each chunk is raw deflate ending in a sync flush, which leaves it on a byte
/// boundary without ending the stream; ``join(_:)`` adds the gzip header, an
/// empty final block, and a trailer whose CRC is combined from the chunks'.
/// The result is one ordinary gzip member that any decoder reads.
public struct GzipChunk: Sendable {
    let deflated: [UInt8]
    let crc: UInt
    let length: Int
    /// zlib's operator for appending `length` bytes to a CRC, made once per
    /// chunk: ``join(_:)`` combines with it in a few hundred instructions,
    /// where `crc32_combine` builds it again each time (about 1,900; a probe
    /// joins some 30 chunks, most of them kept from earlier probes).
    let combineOperator: UInt

    /// Compresses `input` at `level` (zlib's default unless given).
    public init(compressing input: [UInt8], level: Int32 = Gzip.defaultLevel) throws(Gzip.Failure) {
        var stream = z_stream()
        // Raw deflate (negative windowBits: no zlib or gzip framing), with a
        // window and hash no larger than the input needs: zlib allocates and
        // clears them in full for every chunk, and most chunks are small. Any
        // inflater reads a stream made with a smaller window.
        let (windowBits, memoryLevel) = Self.sizes(for: input.count)
        let initResult = deflateInit2_(
            &stream, level, Z_DEFLATED, -windowBits, memoryLevel, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initResult == Z_OK else { throw .zlib(operation: "deflateInit2", code: initResult) }
        defer { deflateEnd(&stream) }

        let capacity = Int(deflateBound(&stream, UInt(input.count))) + 16
        var result: Int32 = Z_OK
        var leftOver = 0
        // Deflated into scratch room for the worst case (about the input's
        // size), then copied out at its own size: chunks are kept (a target's
        // families, between probes), and an array holding the scratch room
        // kept the input's size in memory for a tenth of it in use.
        // Not zero-filled first: deflate writes every byte counted as produced.
        let scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
        defer { scratch.deallocate() }
        input.withUnsafeBufferPointer { inBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
            stream.avail_in = UInt32(inBuffer.count)
            stream.next_out = scratch.baseAddress
            stream.avail_out = UInt32(scratch.count)
            result = deflate(&stream, Z_SYNC_FLUSH)
            leftOver = Int(stream.avail_out)
        }
        // Room left over means the flush marker was written in full.
        guard result == Z_OK, stream.avail_in == 0, leftOver > 0 else { throw .zlib(operation: "deflate", code: result) }
        self.deflated = Array(UnsafeBufferPointer(rebasing: scratch[..<(capacity - leftOver)]))
        self.crc = input.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
        self.length = input.count
        self.combineOperator = crc32_combine_gen(Int(input.count))
    }

    /// Keeps `input` as it is, in deflate's stored blocks (five bytes of
    /// header per 64 KiB): no compression, and none of the 40,000 or so
    /// instructions a deflated piece costs whatever its size. For small
    /// pieces that change with every body.
    public init(storing input: [UInt8]) {
        var out: [UInt8] = []
        out.reserveCapacity(input.count + 5 * (input.count / 65_535 + 1))
        var start = 0
        repeat {
            let end = min(start + 65_535, input.count)
            let count = UInt16(end - start)
            // BFINAL 0, BTYPE 00 (stored); the rest of the byte pads to a boundary.
            out += [0x00, UInt8(truncatingIfNeeded: count), UInt8(truncatingIfNeeded: count >> 8),
                    UInt8(truncatingIfNeeded: ~count), UInt8(truncatingIfNeeded: ~count >> 8)]
            out += input[start..<end]
            start = end
        } while start < input.count
        self.deflated = out
        self.crc = input.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) }
        self.length = input.count
        self.combineOperator = crc32_combine_gen(Int(input.count))
    }

    /// OpenMetrics' trailer (`# EOF`, the same for every body) deflated once
    /// rather than for every OpenMetrics response, which is what Prometheus
    /// asks for first: a deflate of a few bytes still costs some 40,000
    /// instructions (zlib builds its Huffman trees for every block).
    private static let openMetricsTrailer: (text: [UInt8], chunk: GzipChunk?) = {
        let text = ExpositionFormat.openMetrics(version: "1.0.0").trailer
        return (text, try? GzipChunk(compressing: text))
    }()

    /// The chunk of `text`, a format's trailer: deflated once when it is
    /// OpenMetrics', else now; nil if zlib fails.
    static func trailer(_ text: [UInt8]) -> GzipChunk? {
        if text == openMetricsTrailer.text, let chunk = openMetricsTrailer.chunk { return chunk }
        return try? GzipChunk(compressing: text)
    }

    /// deflate's window bits (9 to 15) and memory level (1 to 8) for `count`
    /// bytes of input: the smallest window that holds the input, and a hash
    /// table in proportion, as zlib's defaults are for a 32 KiB window.
    static func sizes(for count: Int) -> (windowBits: Int32, memoryLevel: Int32) {
        var bits: Int32 = 9
        while bits < 15, (1 << bits) < count { bits += 1 }
        return (bits, bits - 7)
    }

    /// One gzip member holding the chunks' bytes in order.
    public static func join(_ chunks: [GzipChunk]) -> [UInt8] {
        var out: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03]
        out.reserveCapacity(chunks.reduce(18) { $0 + $1.deflated.count })
        var crc: UInt = 0
        var total = 0
        for chunk in chunks {
            out += chunk.deflated
            crc = total == 0 ? chunk.crc : crc32_combine_op(crc, chunk.crc, chunk.combineOperator)
            total &+= chunk.length
        }
        // An empty fixed-Huffman block with BFINAL set ends the deflate stream.
        out += [0x03, 0x00]
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: UInt32(truncatingIfNeeded: crc) >> UInt32(shift))) }
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: UInt32(truncatingIfNeeded: total) >> UInt32(shift))) }
        return out
    }
}
