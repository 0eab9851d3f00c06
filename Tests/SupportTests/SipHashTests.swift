import Testing
@testable import Support

@Suite struct SipHashTests {
    /// The reference test vectors (SipHash-2-4, key 00 01 … 0f, message 00 01 …
    /// of each length, with and without a tail): the rounds and the tail are
    /// those of the reference.
    @Test(arguments: [(0, 0x726F_DB47_DD0E_0E31 as UInt64), (1, 0x74F8_39C5_93DC_67FD), (8, 0x93F5_F579_9A93_2462),
                      (15, 0xA129_CA61_49BE_45E5), (16, 0x3F2A_CC7F_57C2_9BDB), (63, 0x958A_324C_EB06_4572)])
    func matchesTheReferenceVectors(length: Int, expected: UInt64) {
        let siphash24 = SipHash(key: (0x0706_0504_0302_0100, 0x0F0E_0D0C_0B0A_0908), compressionRounds: 2, finalizationRounds: 4)
        let message = (0..<length).map { UInt8($0) }
        #expect(message.withUnsafeBytes { siphash24.hash($0) } == expected)
    }

    /// Every length around a word's end gives its own hash, the same each time.
    @Test func lengthsAndKeysMatter() {
        let bytes = [UInt8](repeating: 0, count: 24)
        let hashes = (0...24).map { length in bytes.withUnsafeBytes { SipHash.random.hash(UnsafeRawBufferPointer(rebasing: $0[0..<length])) } }
        #expect(Set(hashes).count == hashes.count)
        #expect(bytes.withUnsafeBytes { SipHash.random.hash($0) } == hashes[24])
        let other = SipHash(key: (1, 2))
        #expect(bytes.withUnsafeBytes { other.hash($0) } != hashes[24])
    }
}
