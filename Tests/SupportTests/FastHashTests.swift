import Testing
@testable import Support

@Suite struct FastHashTests {
    private let fixed = FastHash(secrets: (0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210, 0x0F1E_2D3C_4B5A_6978, 0x8877_6655_4433_2211, 0x1357_9BDF_0246_8ACE))

    private func hash(_ bytes: [UInt8], with hasher: FastHash? = nil) -> UInt64 {
        bytes.withUnsafeBytes { (hasher ?? fixed).hash($0) }
    }

    /// The same bytes, the same hash; every length of zeros from 0 to 200 its own
    /// (the tail is zero-padded, so the length must tell them apart).
    @Test func lengthsGiveTheirOwnHashes() {
        let zeros = [UInt8](repeating: 0, count: 200)
        let hashes = (0...200).map { hash(Array(zeros[0..<$0])) }
        #expect(Set(hashes).count == hashes.count)
        #expect(hash(zeros) == hashes[200])
    }

    /// Changing any one byte of a 200-byte message, at every position (each of
    /// the three chains, the 16-byte loop, the tail), changes the hash.
    @Test func everyByteCounts() {
        var message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var hashes: Set<UInt64> = [hash(message)]
        for index in message.indices {
            message[index] ^= 0x01
            hashes.insert(hash(message))
            message[index] ^= 0x01
        }
        #expect(hashes.count == message.count + 1)
    }

    /// Blocks swapped, within a chain and between chains, give another hash:
    /// an answer whose items came in another order is a changed answer.
    @Test func orderCounts() {
        let blocks = (0..<6).map { block in [UInt8](repeating: UInt8(block + 1), count: 16) }
        let original = hash(blocks.flatMap { $0 })
        for (i, j) in [(0, 3), (0, 1), (4, 5), (2, 5)] {
            var swapped = blocks
            swapped.swapAt(i, j)
            #expect(hash(swapped.flatMap { $0 }) != original, "blocks \(i) and \(j) swapped")
        }
    }

    /// Other secrets, another hash; the process's secrets are fixed for its life.
    @Test func secretsCount() {
        let message = [UInt8](repeating: 0x41, count: 100)
        let other = FastHash(secrets: (1, 3, 5, 7, 9))
        #expect(hash(message) != hash(message, with: other))
        #expect(hash(message, with: .random) == hash(message, with: .random))
        #expect(fixed.hash(of: (UInt64(1), UInt64(2))) != fixed.hash(of: (UInt64(2), UInt64(1))))
    }
}
