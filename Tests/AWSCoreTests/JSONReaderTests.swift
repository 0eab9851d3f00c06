import Foundation
import Testing
@testable import AWSCore

/// The JSON pull parser's strings, against Foundation's encoder and decoder:
/// the word-at-a-time scan must stop at every quote, backslash, control
/// character and non-ASCII byte, wherever it falls in a word.
@Suite struct JSONReaderTests {
    static let alphabet: [Character] = ["a", "Z", "0", " ", "/", "-", "\\", "\"", "\n", "\t", "é", "€", "😀", "\u{1}", "\u{7F}", "~"]

    @Test func stringsReadAsFoundationWritesThem() throws {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<48 {
            for _ in 0..<20 {
                let text = String((0..<length).map { _ in Self.alphabet.randomElement(using: &generator) ?? "a" })
                let encoded = try JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])
                var reader = JSONReader(Array(encoded))
                var read: [String] = []
                try reader.array { element throws(JSONReader.Failure) in read.append(try element.string()) }
                #expect(read == [text], "\(text.debugDescription)")
            }
        }
    }

    @Test func rawControlCharactersAndBadUTF8AreRefusedAnywhere() {
        for position in 0..<20 {
            for bad: UInt8 in [0x01, 0x0A, 0x1F, 0xFF, 0xC3] {
                var bytes = Array("\"".utf8) + Array(repeating: UInt8(ascii: "x"), count: 20) + Array("\"".utf8)
                bytes[1 + position] = bad
                var reader = JSONReader(bytes)
                #expect(throws: JSONReader.Failure.self, "byte \(bad) at \(position)") { _ = try reader.string() }
            }
        }
    }

    @Test func plainWordTest() {
        #expect(JSONReader.isPlainASCII(UInt64(littleEndianBytes: Array("abcdefgh".utf8))))
        for bad: UInt8 in [0x22, 0x5C, 0x00, 0x1F, 0x80, 0xFF] {
            for position in 0..<8 {
                var bytes = Array("abcdefgh".utf8)
                bytes[position] = bad
                #expect(!JSONReader.isPlainASCII(UInt64(littleEndianBytes: bytes)), "\(bad) at \(position)")
            }
        }
        for good: UInt8 in [0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7E, 0x7F] {
            #expect(JSONReader.isPlainASCII(UInt64(littleEndianBytes: Array(repeating: good, count: 8))), "\(good)")
        }
    }
}

extension UInt64 {
    init(littleEndianBytes bytes: [UInt8]) {
        self = bytes.enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
    }
}
