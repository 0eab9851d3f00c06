/// A keyed 64-bit hash of long byte strings, for telling whether an API
/// answer is the one read last time: about 0.4 instructions a byte where
/// ``SipHash`` costs 2 (an answer page of 14 kB was 28,000 instructions, 5 %
/// of a probe's).
///
/// Each 16 bytes are folded into one of three running states by a 64 × 64 →
/// 128-bit multiplication whose halves are XORed (the step of wyhash and
/// rapidhash, not their code), under secrets drawn at random per process.
/// It is not a cryptographic hash: someone who learned the secrets could
/// aim for a collision. Where it is used, a collision makes a page look
/// unchanged when it changed, which only the endpoint that chose the bytes
/// could aim for, and that endpoint could as well send the old bytes; by
/// accident it is a chance in about 2^64 per comparison.
public struct FastHash: Sendable {
    public let secrets: (UInt64, UInt64, UInt64, UInt64, UInt64)

    public init(secrets: (UInt64, UInt64, UInt64, UInt64, UInt64)) {
        self.secrets = secrets
    }

    /// Secrets drawn once per process.
    public static let random = FastHash(secrets: (
        UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max),
        UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max)))

    @inline(__always)
    private static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        return high ^ low
    }

    public func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let count = bytes.count
        @inline(__always) func word(_ offset: Int) -> UInt64 {
            UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }
        var a = secrets.0 ^ UInt64(truncatingIfNeeded: count)
        var b = secrets.1
        var c = secrets.2
        var offset = 0
        // Three independent chains, so that the multiplications overlap.
        while count &- offset >= 48 {
            a = Self.fold(word(offset) ^ secrets.1, word(offset &+ 8) ^ a)
            b = Self.fold(word(offset &+ 16) ^ secrets.2, word(offset &+ 24) ^ b)
            c = Self.fold(word(offset &+ 32) ^ secrets.3, word(offset &+ 40) ^ c)
            offset &+= 48
        }
        a = Self.fold(a ^ secrets.3, b ^ secrets.4) ^ c
        while count &- offset >= 16 {
            a = Self.fold(word(offset) ^ secrets.1, word(offset &+ 8) ^ a)
            offset &+= 16
        }
        // The last 0 to 15 bytes, zero-padded (the length is in the state).
        var tail: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &tail) { out in
            out.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset...]))
        }
        a = Self.fold(UInt64(littleEndian: tail.0) ^ secrets.2, UInt64(littleEndian: tail.1) ^ a)
        return Self.fold(a ^ secrets.4, UInt64(truncatingIfNeeded: count) ^ secrets.0)
    }

    /// The hash of a value's bytes (a tuple of integers, say).
    public func hash<T: BitwiseCopyable>(of value: T) -> UInt64 {
        withUnsafeBytes(of: value) { hash($0) }
    }
}
