import Support

/// A small, strict and bounded XML reader for what AWS's query protocol (STS)
/// and XML error bodies (STS, moto, proxies) send: elements with attributes
/// (ignored), text with the five predefined entities and character
/// references, CDATA, comments, processing instructions and the XML
/// declaration (skipped). A DOCTYPE is refused, so no entity can expand; so
/// are unbalanced or mismatched tags, more than one root, more than
/// ``maxDepth`` levels or ``maxElements`` elements. Names lose their
/// namespace prefix. What it reads is a tree, searched by path, never by
/// substring.
public struct XMLElement: Sendable, Hashable {
    /// The local name (`Code` for `<aws:Code>`).
    public let name: String
    public let children: [XMLElement]
    /// The element's own text, trimmed (the text of its children excluded).
    public let text: String

    /// The first child named `name`.
    public func child(_ name: String) -> XMLElement? {
        children.first { $0.name == name }
    }

    /// The element at `path` below this one, each step the first child of that name.
    public func find(_ path: String...) -> XMLElement? {
        var current = self
        for step in path {
            guard let next = current.child(step) else { return nil }
            current = next
        }
        return current
    }

    /// The first element named `name` here or below, depth first.
    public func first(named name: String) -> XMLElement? {
        if self.name == name { return self }
        for child in children {
            if let found = child.first(named: name) { return found }
        }
        return nil
    }
}

public enum XMLReader {
    package static let maxDepth = 32
    static let maxElements = 10_000

    /// The root element, or nil when `bytes` is not a well-formed document of the accepted kind.
    public static func parse(_ bytes: [UInt8]) -> XMLElement? {
        var parser = Parser(bytes: bytes)
        return try? parser.document()
    }

    private struct Malformed: Error {}

    private struct Parser {
        let bytes: [UInt8]
        var index = 0
        var elements = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
            // A UTF-8 byte order mark.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        }

        mutating func document() throws(Malformed) -> XMLElement {
            try skipMisc()
            guard peek() == UInt8(ascii: "<") else { throw Malformed() }
            let root = try element(depth: 1)
            try skipMisc()
            guard index == bytes.count else { throw Malformed() }
            return root
        }

        func peek(_ offset: Int = 0) -> UInt8? {
            index + offset < bytes.count ? bytes[index + offset] : nil
        }

        func starts(with text: String) -> Bool {
            bytes[index...].starts(with: text.utf8)
        }

        static func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }

        static func isNameByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ":"), 0x80...0xFF: return true
            default: return false
            }
        }

        mutating func skipSpace() {
            while let byte = peek(), Self.isSpace(byte) { index += 1 }
        }

        /// Skips past `terminator`; malformed when it never comes.
        mutating func skip(past terminator: String) throws(Malformed) {
            let pattern = Array(terminator.utf8)
            while index < bytes.count {
                if bytes[index...].starts(with: pattern) {
                    index += pattern.count
                    return
                }
                index += 1
            }
            throw Malformed()
        }

        /// Whitespace, comments, processing instructions and the declaration
        /// around the root; a DOCTYPE is refused.
        mutating func skipMisc() throws(Malformed) {
            while true {
                skipSpace()
                if starts(with: "<!--") {
                    try skip(past: "-->")
                } else if starts(with: "<?") {
                    try skip(past: "?>")
                } else if starts(with: "<!") {
                    throw Malformed() // DOCTYPE: entities could expand
                } else {
                    return
                }
            }
        }

        mutating func name() throws(Malformed) -> String {
            let start = index
            while let byte = peek(), Self.isNameByte(byte) { index += 1 }
            guard index > start, index - start <= 256 else { throw Malformed() }
            let full = bytes[start..<index]
            // The local name: after the last ':' of a prefix.
            let local = full.lastIndex(of: UInt8(ascii: ":")).map { full[($0 + 1)...] } ?? full
            guard !local.isEmpty else { throw Malformed() }
            return String(decoding: local, as: UTF8.self)
        }

        mutating func element(depth: Int) throws(Malformed) -> XMLElement {
            guard depth <= XMLReader.maxDepth else { throw Malformed() }
            elements += 1
            guard elements <= XMLReader.maxElements else { throw Malformed() }
            index += 1 // "<"
            let start = index
            let tag = try name()
            let rawTag = bytes[start..<index]
            // Attributes: name = "value" or 'value', ignored but checked.
            while true {
                skipSpace()
                guard let byte = peek() else { throw Malformed() }
                if byte == UInt8(ascii: "/") {
                    guard peek(1) == UInt8(ascii: ">") else { throw Malformed() }
                    index += 2
                    return XMLElement(name: tag, children: [], text: "")
                }
                if byte == UInt8(ascii: ">") {
                    index += 1
                    break
                }
                _ = try name()
                skipSpace()
                guard peek() == UInt8(ascii: "=") else { throw Malformed() }
                index += 1
                skipSpace()
                guard let quote = peek(), quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { throw Malformed() }
                index += 1
                while let value = peek(), value != quote {
                    guard value != UInt8(ascii: "<") else { throw Malformed() }
                    index += 1
                }
                guard peek() == quote else { throw Malformed() }
                index += 1
            }
            var children: [XMLElement] = []
            var text: [UInt8] = []
            while true {
                guard let byte = peek() else { throw Malformed() }
                if byte == UInt8(ascii: "<") {
                    if starts(with: "</") {
                        index += 2
                        let closeStart = index
                        _ = try name()
                        guard bytes[closeStart..<index].elementsEqual(rawTag) else { throw Malformed() }
                        skipSpace()
                        guard peek() == UInt8(ascii: ">") else { throw Malformed() }
                        index += 1
                        let trimmed = String(decoding: text, as: UTF8.self).trimmingWhitespaceAndNewlines()
                        return XMLElement(name: tag, children: children, text: trimmed)
                    } else if starts(with: "<!--") {
                        try skip(past: "-->")
                    } else if starts(with: "<![CDATA[") {
                        index += 9
                        let contentStart = index
                        try skip(past: "]]>")
                        text += bytes[contentStart..<(index - 3)]
                    } else if starts(with: "<?") {
                        try skip(past: "?>")
                    } else if starts(with: "<!") {
                        throw Malformed()
                    } else {
                        children.append(try element(depth: depth + 1))
                    }
                } else if byte == UInt8(ascii: "&") {
                    text += try reference()
                } else {
                    text.append(byte)
                    index += 1
                }
            }
        }

        /// `&lt;` `&gt;` `&amp;` `&quot;` `&apos;` `&#N;` `&#xH;`.
        mutating func reference() throws(Malformed) -> [UInt8] {
            index += 1 // "&"
            let start = index
            while let byte = peek(), byte != UInt8(ascii: ";") {
                guard index - start < 10 else { throw Malformed() }
                index += 1
            }
            guard peek() == UInt8(ascii: ";") else { throw Malformed() }
            let entity = bytes[start..<index]
            index += 1
            switch String(decoding: entity, as: UTF8.self) {
            case "lt": return [UInt8(ascii: "<")]
            case "gt": return [UInt8(ascii: ">")]
            case "amp": return [UInt8(ascii: "&")]
            case "quot": return [UInt8(ascii: "\"")]
            case "apos": return [UInt8(ascii: "'")]
            default: break
            }
            guard entity.first == UInt8(ascii: "#") else { throw Malformed() }
            var digits = entity.dropFirst()
            var radix: UInt32 = 10
            if digits.first == UInt8(ascii: "x") {
                radix = 16
                digits = digits.dropFirst()
            }
            guard !digits.isEmpty else { throw Malformed() }
            var value: UInt32 = 0
            for byte in digits {
                guard let digit = byte.hexDigitValue, UInt32(digit) < radix else { throw Malformed() }
                value = value * radix + UInt32(digit)
            }
            // At most 8 digits: no overflow. Control characters other than tab,
            // LF and CR are not XML characters.
            guard let scalar = Unicode.Scalar(value), value >= 0x20 || value == 0x09 || value == 0x0A || value == 0x0D else { throw Malformed() }
            return Array(String(Character(scalar)).utf8)
        }
    }
}
