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

    /// zlib's fastest level (1, Go's `gzip.BestSpeed`). On a 94 kB probe body
    /// it gives 7.3 kB in 0.11 ms, where the default level 6 gives 6.2 kB in
    /// 0.46 ms (docs/operations.md, "Compression"): Prometheus scrapes over a
    /// local network, where a kilobyte costs less than a third of a millisecond
    /// of CPU per scrape.
    public static let defaultLevel: Int32 = 1

    /// Compresses `input` into a complete gzip member.
    public static func compress(_ input: [UInt8], level: Int32 = defaultLevel) throws(Failure) -> [UInt8] {
        GzipChunk.join([try GzipChunk(compressing: input, level: level)])
    }
}
