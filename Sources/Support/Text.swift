/// Small text helpers shared by the modules that parse headers, flags and
/// files, so that trimming and bounding have one definition.
extension StringProtocol {
    /// Without leading and trailing spaces and tabs (HTTP's OWS).
    public func trimmingWhitespace() -> String {
        trimming { $0 == 0x20 || $0 == 0x09 }
    }

    /// Without leading and trailing spaces, tabs, CR and LF.
    public func trimmingWhitespaceAndNewlines() -> String {
        trimming { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }

    /// By UTF-8 byte (on the signing and header paths, so it matters): the
    /// bytes trimmed are ASCII, so both ends stay on scalar boundaries.
    private func trimming(_ isSpace: (UInt8) -> Bool) -> String {
        let string = String(self)
        let bytes = string.utf8
        guard let first = bytes.firstIndex(where: { !isSpace($0) }),
              let last = bytes.lastIndex(where: { !isSpace($0) }) else { return "" }
        let end = bytes.index(after: last)
        if first == bytes.startIndex, end == bytes.endIndex { return string }
        return String(string[first..<end])
    }

    /// At most `maxBytes` of UTF-8, cut on a scalar boundary, with `…` when
    /// cut: for anything the network sends that ends up in a log or a label.
    public func bounded(maxBytes: Int) -> String {
        guard utf8.count > maxBytes else { return String(self) }
        var out = String.UnicodeScalarView()
        var used = 0
        for scalar in unicodeScalars {
            let size = String(scalar).utf8.count
            guard used + size <= Swift.max(0, maxBytes - 3) else { break }
            out.append(scalar)
            used += size
        }
        return String(out) + "…"
    }
}

extension String {
    /// The text of a C buffer filled by a system call, up to its first NUL.
    public init(nulTerminated buffer: [CChar]) {
        self = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension StringProtocol {
    /// Whether it holds CR, LF or NUL, checked by byte: `"\r\n"` is a single
    /// Character in Swift, which a check by Character would let through.
    public var containsLineBreakOrNul: Bool {
        // Over the contiguous bytes when there are (a session token of a
        // kilobyte goes into every signed request), else byte by byte.
        if let found = utf8.withContiguousStorageIfAvailable({ bytes in bytes.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 } }) {
            return found
        }
        return utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
    }
}

extension UInt8 {
    /// The value of an ASCII hex digit (`0`-`9`, `a`-`f`, `A`-`F`), or nil:
    /// chunk sizes, `%XX` escapes in URLs and proxy credentials.
    public var hexDigitValue: UInt8? {
        switch self {
        case 0x30...0x39: return self - 0x30
        case 0x41...0x46: return self - 0x37
        case 0x61...0x66: return self - 0x57
        default: return nil
        }
    }
}
