import Support
import Testing

/// The word tests against the byte-by-byte definition: every byte value at
/// every place of a word of ordinary bytes, and random words.
@Suite struct ByteWordTests {
    static func word(_ bytes: [UInt8]) -> UInt64 {
        bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }

    static func check(_ bytes: [UInt8]) {
        let word = Self.word(bytes)
        for target: UInt8 in [0x00, 0x0A, 0x22, 0x5C, 0x7F, 0xFF] {
            #expect(ByteWord.contains(target, in: word) == bytes.contains(target), "\(bytes) \(target)")
        }
        for limit: UInt8 in [0x01, 0x20, 0x80] {
            #expect(ByteWord.containsByte(below: limit, in: word) == bytes.contains { $0 < limit }, "\(bytes) < \(limit)")
        }
        #expect(ByteWord.containsNonASCII(word) == bytes.contains { $0 >= 0x80 })
    }

    @Test func everyByteAtEveryPlace() {
        for value in 0...255 {
            for place in 0..<8 {
                var bytes = Array("abcdefgh".utf8)
                bytes[place] = UInt8(value)
                Self.check(bytes)
            }
        }
    }

    @Test func randomWords() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            Self.check((0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
    }
}
