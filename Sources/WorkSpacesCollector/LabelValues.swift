import Support

/// Bounds what an API answer can put into a label value. Gauges are rebuilt
/// on every scrape, so their values are bounded in number by the answer; each
/// value is bounded here in length and form.
package enum LabelValues {
    /// For a field the API did not return.
    static let unknown = "unknown"
    /// For a value that is not of the field's form.
    static let other = "other"

    /// An enumeration (`State`, `OperatingSystem.Type`, `ErrorCode`,
    /// `ComputeType`): letters, digits, `_`, `-` and `.`, at most 64 bytes, as AWS's
    /// enumerations are, so values AWS adds later pass through; anything
    /// else is `other`.
    package static func enumeration(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return unknown }
        guard value.utf8.count <= 64, value.utf8.allSatisfy(isEnumerationByte) else { return other }
        return value
    }

    /// An identifier (`wsi-…`, `wsb-…`, an account id): visible ASCII, at most 128 bytes.
    package static func identifier(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return unknown }
        guard value.utf8.count <= 128, value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return other }
        return value
    }

    /// Free text (a name): at most 256 bytes. The exposition formats escape
    /// what needs escaping (backslash, quote, newline).
    package static func text(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return unknown }
        return value.bounded(maxBytes: 256)
    }

    private static func isEnumerationByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return true
        default:
            return false
        }
    }
}
