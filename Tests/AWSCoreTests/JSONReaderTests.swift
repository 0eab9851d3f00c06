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

    /// What the writer writes, Foundation reads as the same strings (every
    /// escape, control characters, multi-byte characters), and the reader too;
    /// and the escapes are the short ones where JSON has them.
    @Test func stringsWrittenReadBackAsTheyWere() throws {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<48 {
            for _ in 0..<20 {
                let text = String((0..<length).map { _ in Self.alphabet.randomElement(using: &generator) ?? "a" })
                var writer = JSONWriter()
                writer.beginObject()
                writer.member("k", text)
                writer.endObject()
                let decoded = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String: String]
                #expect(decoded == ["k": text], "\(text.debugDescription)")
                var reader = JSONReader(writer.bytes)
                var read: String?
                try reader.object { value, key throws(JSONReader.Failure) in if key == "k" { read = try value.string() } else { try value.skip() } }
                #expect(read == text)
            }
        }
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("k", "\"\\\n\r\t\u{1}\u{1F}é😀")
        writer.endObject()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"k":"\"\\\n\r\t\u0001\u001fé😀"}"#)
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

    /// Numbers read without strtod (the exact-decimal path) against `Double(String)`,
    /// which is correctly rounded: every digit count, place of the point and sign.
    @Test func numbersReadAsTheStandardLibraryParsesThem() throws {
        var generator = SystemRandomNumberGenerator()
        var texts = ["0", "-0", "0.0", "1", "-1", "0.5", "1732811234.567", "123456789012345", "1234567890123456", "0.000000000000000000001",
                     "0.0000000000000000000001", "9007199254740993", "1e5", "1.5E-7", "-2.5e+300", "100000000000000000000000"]
        for _ in 0..<3_000 {
            let digits = String((0..<Int.random(in: 1...20, using: &generator)).map { _ in "0123456789".randomElement(using: &generator) ?? "1" })
            let integer = digits.drop { $0 == "0" }
            var text = integer.isEmpty ? "0" : String(integer)
            if Bool.random(using: &generator) {
                let point = Int.random(in: 1...text.count, using: &generator)
                text.insert(".", at: text.index(text.startIndex, offsetBy: point))
                if text.last == "." { text += "0" }
            }
            texts.append(Bool.random(using: &generator) ? "-" + text : text)
        }
        for text in texts {
            var reader = JSONReader(Array(text.utf8))
            let read = try reader.number()
            let expected = try #require(Double(text))
            #expect(read.bitPattern == expected.bitPattern, "\(text)")
        }
    }

    @Test func skippedMembersAreCheckedAsReadOnesAre() throws {
        var reader = JSONReader(Array(#"{"a":"plain ascii words","b":"é\n","c":[1,"x",{"d":null}],"e":"ok"}"#.utf8))
        var kept: [String] = []
        try reader.object { reader, key throws(JSONReader.Failure) in
            if key == "e" { kept.append(try reader.string()) } else { try reader.skip() }
        }
        #expect(kept == ["ok"])
        for bad in [#"{"a":"\x"}"#, "{\"a\":\"\u{1}\"}", #"{"a":"unterminated}"#] {
            var reader = JSONReader(Array(bad.utf8))
            #expect(throws: JSONReader.Failure.self, "\(bad)") { try reader.object { reader, _ throws(JSONReader.Failure) in try reader.skip() } }
        }
        var invalidUTF8 = JSONReader(Array(#"{"a":""#.utf8) + [0xC3] + Array(#""}"#.utf8))
        #expect(throws: JSONReader.Failure.self) { try invalidUTF8.object { reader, _ throws(JSONReader.Failure) in try reader.skip() } }
    }

    /// Member names are interned (``JSONReader/memberName()``): repeated, escaped,
    /// long and non-ASCII names read as ``JSONReader/string()`` reads them.
    @Test func memberNamesReadTheSameInternedOrNot() throws {
        let long = String(repeating: "k", count: 40)
        let body = #"[{"ImageId":1,"Name":2},{"ImageId":3,"Image\u0049d":4,"Nämé":5,"LONG":6,"":7}]"#.replacingOccurrences(of: "LONG", with: long)
        var reader = JSONReader(Array(body.utf8))
        var names: [String] = []
        try reader.array { item throws(JSONReader.Failure) in
            try item.object { member, name throws(JSONReader.Failure) in
                names.append(name)
                _ = try member.number()
            }
        }
        #expect(names == ["ImageId", "Name", "ImageId", "ImageId", "Nämé", long, ""])
    }

    /// The name that followed last time is only a guess: members in another
    /// order, a longer name starting with the guess, nested objects and
    /// escaped names all read as written.
    @Test func theGuessedNextNameIsCheckedInFull() throws {
        let body = #"[{"Name":1,"Id":2,"Sub":{"Name":3,"X":4}},{"Name":5,"IdX":6,"Sub":{"X":7,"Name":8}},"#
            + #"{"Name":9,"Id":10,"Sub":{"Name":11,"X":12}},{"Name":13,"Id":14},{"Name":15,"I":16,"Id":17}]"#
        var reader = JSONReader(Array(body.utf8))
        var read: [String] = []
        func members(_ reader: inout JSONReader) throws(JSONReader.Failure) {
            try reader.object { member, name throws(JSONReader.Failure) in
                if member.peek() == UInt8(ascii: "{") { read.append(name); try members(&member) } else { read.append("\(name)=\(Int(try member.number()))") }
            }
        }
        try reader.array { item throws(JSONReader.Failure) in try members(&item) }
        #expect(read == ["Name=1", "Id=2", "Sub", "Name=3", "X=4", "Name=5", "IdX=6", "Sub", "X=7", "Name=8",
                         "Name=9", "Id=10", "Sub", "Name=11", "X=12", "Name=13", "Id=14", "Name=15", "I=16", "Id=17"])
    }

    /// A guess of the same length as the name read, closing quote in place,
    /// is refused by its bytes: "Ix" where "Id" came last time, and an
    /// escaped quote (two bytes, then the closing quote) where "Ix" did.
    @Test func aGuessOfTheSameLengthIsComparedByteByByte() throws {
        let body = #"[{"Name":1,"Id":2},{"Name":3,"Ix":4},{"Name":5,"\"":6}]"#
        var reader = JSONReader(Array(body.utf8))
        var read: [String] = []
        try reader.array { item throws(JSONReader.Failure) in
            try item.object { member, name throws(JSONReader.Failure) in read.append("\(name)=\(Int(try member.number()))") }
        }
        #expect(read == ["Name=1", "Id=2", "Name=3", "Ix=4", "Name=5", "\"=6"])
    }

    /// Interned names that share their first eight bytes, or differ only in
    /// length, stay apart; so do names of exactly 8, 32 and 33 bytes.
    @Test func internedNamesSharingAPrefixStayApart() throws {
        let names = ["OperatingSystemType", "OperatingSystemName", "OperatingSystem", "Operatin", "Operati", "OperatingSystemTypes",
                     String(repeating: "a", count: 32), String(repeating: "a", count: 31) + "b", String(repeating: "a", count: 33)]
        let object = "{" + names.enumerated().map { "\"\($0.element)\":\($0.offset)" }.joined(separator: ",") + "}"
        var reader = JSONReader(Array("[\(object),\(object)]".utf8))
        var read: [(String, Double)] = []
        try reader.array { item throws(JSONReader.Failure) in
            try item.object { member, name throws(JSONReader.Failure) in read.append((name, try member.number())) }
        }
        let expected = names.enumerated().map { ($0.element, Double($0.offset)) }
        #expect(read.map(\.0) == (expected + expected).map(\.0))
        #expect(read.map(\.1) == (expected + expected).map(\.1))
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
