#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Support

/// A small pull parser for JSON bodies, made for `DescribeWorkspaceImages`
/// pages: it reads the members the exporter uses straight from the bytes and
/// skips the rest, without building a document tree or going through
/// `Codable`. Foundation's `JSONDecoder` took about a quarter of a scrape's
/// CPU samples (`perf record`, 500 images).
///
/// It accepts exactly RFC 8259 JSON, UTF-8 only, nested at most
/// ``maxDepth`` deep, and reports the byte offset of the first problem.
package struct JSONReader {
    /// What went wrong, and where.
    package struct Failure: Error, CustomStringConvertible {
        let offset: Int
        let problem: String
        /// Member names and array indexes down to the problem, outermost first.
        var path: [String] = []

        package var description: String {
            let location = path.isEmpty ? "the body" : path.reduce("") { $0.isEmpty || $1.hasPrefix("[") ? $0 + $1 : $0 + "." + $1 }
            return "\(location): \(problem) (byte \(offset))"
        }

        func inside(_ component: String) -> Failure {
            var copy = self
            copy.path.insert(component, at: 0)
            return copy
        }
    }

    static let maxDepth = 128

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    /// Member names read so far (``memberName()``): each one's bytes and
    /// its String.
    private var internedBytes: [[UInt8]] = []
    private var internedStrings: [String] = []
    /// For each interned name, the one read after it last time (-1: none
    /// yet), and the last name read if it was interned (-1 otherwise): the
    /// items of a page repeat their members in the same order, so the next
    /// name is usually the one that followed this one last time.
    private var internedNext: [Int] = []
    private var lastInterned = -1

    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    package func fail(_ problem: String) -> Failure {
        Failure(offset: index, problem: problem)
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// The next significant byte, without consuming it.
    package mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    private mutating func consume(_ byte: UInt8) throws(Failure) {
        guard peek() == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    private mutating func consume(literal: StaticString) throws(Failure) {
        // Byte by byte: `null`, `true` or `false`, with no array made for them.
        let count = literal.utf8CodeUnitCount
        let matches = index + count <= bytes.count && literal.withUTF8Buffer { text in
            var at = index
            for byte in text {
                guard bytes[at] == byte else { return false }
                at += 1
            }
            return true
        }
        guard matches else { throw fail("expected \(literal)") }
        index += count
    }

    /// Ends the document: only whitespace may follow the top-level value.
    package mutating func end() throws(Failure) {
        if peek() != nil { throw fail("unexpected data after the JSON value") }
    }

    /// Consumes `null` if it is next.
    package mutating func null() throws(Failure) -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        try consume(literal: "null")
        return true
    }

    /// Reads an object, calling `member` with each key; `member` must read or
    /// skip the value.
    package mutating func object(_ member: (inout JSONReader, String) throws(Failure) -> Void) throws(Failure) {
        try consume(UInt8(ascii: "{"))
        try enter()
        defer { depth -= 1 }
        if peek() == UInt8(ascii: "}") { index += 1; return }
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let key = try memberName()
            try consume(UInt8(ascii: ":"))
            do { try member(&self, key) } catch { throw error.inside(key) }
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return
            default: throw fail("expected ',' or '}'")
            }
        }
    }

    /// Reads an array, calling `element` for each; `element` must read or skip it.
    package mutating func array(_ element: (inout JSONReader) throws(Failure) -> Void) throws(Failure) {
        try consume(UInt8(ascii: "["))
        try enter()
        defer { depth -= 1 }
        if peek() == UInt8(ascii: "]") { index += 1; return }
        var position = 0
        while true {
            do { try element(&self) } catch { throw error.inside("[\(position)]") }
            position += 1
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return
            default: throw fail("expected ',' or ']'")
            }
        }
    }

    /// A member name: ``string()``, except that a short plain-ASCII name
    /// seen before in this body is the String made then. Every item of a page
    /// repeats the same dozen names; making a String of each again was a
    /// tenth of reading a page. The name that followed the previous one last
    /// time is tried first, by comparing its bytes and the closing quote.
    private mutating func memberName() throws(Failure) -> String {
        let start = index + 1
        if lastInterned >= 0, case let guess = internedNext[lastInterned], guess >= 0,
           Self.isAt(internedBytes[guess], followedByQuote: bytes, at: start) {
            index = start + internedBytes[guess].count + 1
            lastInterned = guess
            return internedStrings[guess]
        }
        guard let interned = internedName(start: start) else {
            lastInterned = -1
            return try string()
        }
        if lastInterned >= 0 { internedNext[lastInterned] = interned }
        lastInterned = interned
        index = start + internedBytes[interned].count + 1
        return internedStrings[interned]
    }

    /// Whether `bytes` from `at` are `name` and then a quote.
    private static func isAt(_ name: [UInt8], followedByQuote bytes: [UInt8], at: Int) -> Bool {
        let count = name.count
        guard at + count < bytes.count, bytes[at + count] == UInt8(ascii: "\"") else { return false }
        return name.withUnsafeBufferPointer { name in
            bytes.withUnsafeBufferPointer { bytes in
                guard let left = name.baseAddress, let right = bytes.baseAddress else { return count == 0 }
                return memcmp(left, right + at, count) == 0
            }
        }
    }

    /// The interned name starting at `start` (interned now if new and there
    /// is room), or nil when it is not a short plain-ASCII name or the table is full.
    private mutating func internedName(start: Int) -> Int? {
        // The closing quote within maxInternedName bytes, with only plain
        // ASCII before it; else the name is read the general way.
        let length: Int? = bytes.withUnsafeBufferPointer { buffer in
            let limit = min(buffer.count, start + Self.maxInternedName + 1)
            for end in start..<max(start, limit) {
                let byte = buffer[end]
                if byte == UInt8(ascii: "\"") { return end - start }
                guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { return nil }
            }
            return nil
        }
        guard let length else { return nil }
        if let known = internedBytes.indices.first(where: {
            internedBytes[$0].count == length && Self.isAt(internedBytes[$0], followedByQuote: bytes, at: start)
        }) {
            return known
        }
        guard internedStrings.count < Self.maxInternedNames else { return nil }
        let name = bytes[start..<(start + length)]
        internedBytes.append(Array(name))
        internedStrings.append(String(decoding: name, as: UTF8.self))
        internedNext.append(-1)
        return internedStrings.count - 1
    }

    /// Names of this length at most are interned, up to this many per body.
    static let maxInternedName = 32
    static let maxInternedNames = 64

    private mutating func enter() throws(Failure) {
        depth += 1
        if depth > Self.maxDepth { throw fail("nested more than \(Self.maxDepth) deep") }
    }

    package mutating func bool() throws(Failure) -> Bool {
        switch peek() {
        case UInt8(ascii: "t"): try consume(literal: "true"); return true
        case UInt8(ascii: "f"): try consume(literal: "false"); return false
        default: throw fail("expected true or false")
        }
    }

    /// A number, as JSON writes it (E-notation included); must be finite.
    package mutating func number() throws(Failure) -> Double {
        _ = peek()
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw fail("expected a number") }
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { skipDigits() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("expected a digit after '.'") }
            skipDigits()
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("expected an exponent") }
            skipDigits()
        }
        if let exact = Self.exactDecimal(bytes[start..<index]) { return exact }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw Failure(offset: start, problem: "number \(text.prefix(40)) does not fit a Double") }
        return value
    }

    /// The powers of ten that are exact doubles.
    private static let powers: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]

    /// A number already checked as JSON, when its digits and exponent make
    /// the double exact without `strtod`: at most 15 significant digits (an
    /// integer below 2^53) scaled by a power of ten up to 10^22, itself exact,
    /// so that the one multiplication or division rounds correctly (Clinger's
    /// fast path). Epoch seconds such as 1732811234.567 are all like that.
    static func exactDecimal(_ text: ArraySlice<UInt8>) -> Double? {
        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0
        var negative = false
        var index = text.startIndex
        if index < text.endIndex, text[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var fraction = false
        while index < text.endIndex {
            let byte = text[index]
            if byte == UInt8(ascii: ".") {
                fraction = true
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                // Leading zeros are no significant digits.
                if mantissa != 0 || byte != UInt8(ascii: "0") { digits += 1 }
                guard digits <= 15 else { return nil }
                mantissa = mantissa * 10 + UInt64(byte - UInt8(ascii: "0"))
                if fraction { scale -= 1 }
            } else {
                // An exponent: left to strtod.
                return nil
            }
            index += 1
        }
        guard -scale < Self.powers.count else { return nil }
        let value = scale == 0 ? Double(mantissa) : Double(mantissa) / Self.powers[-scale]
        return negative ? -value : value
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    /// A string, with its escapes resolved; invalid UTF-8 and lone
    /// surrogates are errors, as in Foundation.
    package mutating func string() throws(Failure) -> String {
        try consume(UInt8(ascii: "\""))
        let start = index
        var ascii = true
        // Eight bytes at a time while none is a quote, a backslash, a control
        // character or non-ASCII: the bytes below need no look one by one.
        let count = bytes.count
        index = bytes.withUnsafeBytes { raw in
            var at = index
            while count - at >= 8, Self.isPlainASCII(raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)) { at += 8 }
            return at
        }
        // The common case: no escapes, so the bytes are the string.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                // ASCII needs no validation (and the stdlib's generic
                // validating initializer was 6% of a scrape's CPU).
                let value = ascii ? String(decoding: bytes[start..<index], as: UTF8.self) : try validated(bytes[start..<index], at: start)
                index += 1
                return value
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("control character in a string") }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        var out = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return try validated(out[...], at: start)
            case UInt8(ascii: "\\"):
                index += 1
                guard index < bytes.count else { throw fail("unterminated escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"): out += try unicodeEscape()
                default: throw fail("invalid escape")
                }
            default:
                if byte < 0x20 { throw fail("control character in a string") }
                out.append(byte)
                index += 1
            }
        }
        throw Failure(offset: start, problem: "unterminated string")
    }

    /// Whether none of the eight bytes is `"`, `\`, below 0x20 or above 0x7F.
    @inline(__always)
    static func isPlainASCII(_ word: UInt64) -> Bool {
        !ByteWord.containsNonASCII(word) && !ByteWord.containsByte(below: 0x20, in: word)
            && !ByteWord.contains(UInt8(ascii: "\""), in: word) && !ByteWord.contains(UInt8(ascii: "\\"), in: word)
    }

    private func validated(_ slice: ArraySlice<UInt8>, at start: Int) throws(Failure) -> String {
        guard let text = String(validating: slice, as: UTF8.self) else { throw Failure(offset: start, problem: "string is not valid UTF-8") }
        return text
    }

    /// `XXXX` after `\u`, joined with a following low surrogate when needed,
    /// as UTF-8 bytes.
    private mutating func unicodeEscape() throws(Failure) -> [UInt8] {
        let high = try hex4()
        var scalarValue = UInt32(high)
        if (0xD800...0xDBFF).contains(high) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw fail("lone high surrogate")
            }
            index += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("high surrogate without a low one") }
            scalarValue = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(high) {
            throw fail("lone low surrogate")
        }
        guard let scalar = Unicode.Scalar(scalarValue) else { throw fail("invalid \\u escape") }
        return Array(String(Character(scalar)).utf8)
    }

    private mutating func hex4() throws(Failure) -> UInt16 {
        guard index + 4 <= bytes.count else { throw fail("short \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let digit = bytes[index].hexDigitValue else { throw fail("invalid hex digit in \\u escape") }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    /// Skips any value, checking its syntax.
    package mutating func skip() throws(Failure) {
        switch peek() {
        case UInt8(ascii: "{"): try object { reader, _ throws(Failure) in try reader.skip() }
        case UInt8(ascii: "["): try array { reader throws(Failure) in try reader.skip() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try bool()
        case UInt8(ascii: "n"): try consume(literal: "null")
        case nil: throw fail("unexpected end of the body")
        default: _ = try number()
        }
    }

    /// Skips a string: plain ASCII without escapes (nearly all) is only
    /// scanned; anything else is read as ``string()`` reads it, so the same
    /// strings are refused.
    private mutating func skipString() throws(Failure) {
        _ = peek()
        let start = index
        try consume(UInt8(ascii: "\""))
        let count = bytes.count
        index = bytes.withUnsafeBytes { raw in
            var at = index
            while count - at >= 8, Self.isPlainASCII(raw.loadUnaligned(fromByteOffset: at, as: UInt64.self)) { at += 8 }
            return at
        }
        while index < count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return
            }
            if byte == UInt8(ascii: "\\") || byte >= 0x80 { break }
            if byte < 0x20 { throw fail("control character in a string") }
            index += 1
        }
        index = start
        _ = try string()
    }

    /// A string member that may be null.
    package mutating func optionalString() throws(Failure) -> String? {
        try null() ? nil : string()
    }
}

extension JSONReader {
    /// A page of a paginated operation: the items of the array member `items`
    /// (read by `item`) and `NextToken` (empty counts as none). Other members
    /// are skipped; a repeated `items` key replaces, as with JSONDecoder.
    package static func page<Item>(
        _ body: [UInt8], items key: String, operation: String, item: (inout JSONReader) throws(Failure) -> Item
    ) throws(AWSClientError) -> ([Item], String?) {
        var reader = JSONReader(body)
        var items: [Item] = []
        var token: String?
        do {
            guard reader.peek() == UInt8(ascii: "{") else { throw reader.fail("expected a JSON object") }
            try reader.object { reader, member throws(Failure) in
                switch member {
                case key:
                    items = []
                    if try reader.null() { return }
                    try reader.array { reader throws(Failure) in items.append(try item(&reader)) }
                case "NextToken":
                    let value = try reader.optionalString()
                    token = value?.isEmpty == true ? nil : value
                default:
                    try reader.skip()
                }
            }
            try reader.end()
        } catch {
            throw .invalidResponse("not a \(operation) page: \(error)")
        }
        return (items, token)
    }
}
