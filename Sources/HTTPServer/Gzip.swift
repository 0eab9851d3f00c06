import CZlib

/// gzip compression through zlib's deflate (RFC 1952 framing via windowBits 31).
public enum Gzip {
    /// Errors zlib reports; they indicate a bug or memory exhaustion, not bad input.
    public enum Failure: Error, CustomStringConvertible {
        case zlib(operation: String, code: Int32)

        public var description: String {
            switch self {
            case let .zlib(operation, code):
                return "zlib \(operation) failed with code \(code)"
            }
        }
    }

    /// zlib's default level (6): on exposition text it gives nearly the ratio of
    /// level 9 at well under half the CPU.
    public static let defaultLevel: Int32 = 6

    /// Compresses `input` into a complete gzip member.
    public static func compress(_ input: [UInt8], level: Int32 = defaultLevel) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        let initResult = deflateInit2_(
            &stream, level, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY,
            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard initResult == Z_OK else { throw .zlib(operation: "deflateInit2", code: initResult) }
        defer { deflateEnd(&stream) }

        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 32)
        var result: Int32 = Z_OK
        var produced = 0
        input.withUnsafeBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
                stream.avail_in = UInt32(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = UInt32(outBuffer.count)
                result = deflate(&stream, Z_FINISH)
                produced = outBuffer.count - Int(stream.avail_out)
            }
        }
        guard result == Z_STREAM_END else { throw .zlib(operation: "deflate", code: result) }
        output.removeSubrange(produced...)
        return output
    }
}
