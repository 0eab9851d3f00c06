/// gzip compression through zlib's deflate; the framing is ``GzipChunk``'s.
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
        GzipChunk.join([try GzipChunk(compressing: input, level: level)])
    }
}
