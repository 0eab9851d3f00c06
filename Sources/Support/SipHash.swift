/// SipHash (Aumasson and Bernstein) over a buffer in one call: the keyed
/// hash Swift's `Hasher` computes (SipHash-1-3), without `Hasher`'s
/// word-by-word buffering, which cost about 7 instructions a byte where this
/// costs about 2. For fingerprints of data that an outsider may choose: with
/// a key drawn at random per process, nobody can aim for a collision.
public struct SipHash: Sendable {
    public let key: (UInt64, UInt64)
    /// SipRounds per 8-byte word, and at the end: 1 and 3 for SipHash-1-3,
    /// 2 and 4 for the paper's SipHash-2-4.
    public let compressionRounds: Int
    public let finalizationRounds: Int

    public init(key: (UInt64, UInt64), compressionRounds: Int = 1, finalizationRounds: Int = 3) {
        self.key = key
        self.compressionRounds = compressionRounds
        self.finalizationRounds = finalizationRounds
    }

    /// SipHash-1-3 with a key drawn once per process.
    public static let random = SipHash(key: (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max)))

    public func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var v0 = key.0 ^ 0x736F_6D65_7073_6575
        var v1 = key.1 ^ 0x646F_7261_6E64_6F6D
        var v2 = key.0 ^ 0x6C79_6765_6E65_7261
        var v3 = key.1 ^ 0x7465_6462_7974_6573

        @inline(__always)
        func round() {
            v0 &+= v1; v1 = v1.rotatedLeft(13); v1 ^= v0; v0 = v0.rotatedLeft(32)
            v2 &+= v3; v3 = v3.rotatedLeft(16); v3 ^= v2
            v0 &+= v3; v3 = v3.rotatedLeft(21); v3 ^= v0
            v2 &+= v1; v1 = v1.rotatedLeft(17); v1 ^= v2; v2 = v2.rotatedLeft(32)
        }
        @inline(__always)
        func compress(_ word: UInt64) {
            v3 ^= word
            for _ in 0..<compressionRounds { round() }
            v0 ^= word
        }

        let count = bytes.count
        let whole = count & ~7
        var offset = 0
        while offset < whole {
            compress(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            offset &+= 8
        }
        // The last 0 to 7 bytes, little-endian, under the length's low byte.
        var last = UInt64(truncatingIfNeeded: count) << 56
        var shift: UInt64 = 0
        while offset < count {
            last |= UInt64(bytes[offset]) << shift
            shift &+= 8
            offset &+= 1
        }
        compress(last)
        v2 ^= 0xFF
        for _ in 0..<finalizationRounds { round() }
        return v0 ^ v1 ^ v2 ^ v3
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 &- count))
    }
}
