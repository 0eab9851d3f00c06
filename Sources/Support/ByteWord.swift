/// Tests on eight bytes at once (a little-endian `UInt64` loaded from a
/// buffer), for scanners that skip runs of ordinary bytes: the classic
/// "has a zero byte" and "has a byte less than" word tests. Both are exact
/// about whether such a byte exists (not which one it is).
public enum ByteWord {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether one of the eight bytes is `byte`.
    @inline(__always)
    public static func contains(_ byte: UInt8, in word: UInt64) -> Bool {
        let value = word ^ (ones &* UInt64(byte))
        return (value &- ones) & ~value & highs != 0
    }

    /// Whether one of the eight bytes is below `limit` (at most 0x80).
    @inline(__always)
    public static func containsByte(below limit: UInt8, in word: UInt64) -> Bool {
        (word &- ones &* UInt64(limit)) & ~word & highs != 0
    }

    /// Whether one of the eight bytes is 0x80 or above (not ASCII).
    @inline(__always)
    public static func containsNonASCII(_ word: UInt64) -> Bool {
        word & highs != 0
    }
}
