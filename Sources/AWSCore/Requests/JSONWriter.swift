/// A minimal JSON writer for request bodies (and the emulator's answers),
/// without going through Foundation's encoders; the caller controls number
/// formatting exactly.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Per open container: whether a value was written, so the next needs a comma.
    private var hasValue: [Bool] = [false]
    /// A key was just written, so the next value follows its colon directly.
    private var afterKey = false

    public mutating func beginObject() { beginValue(); bytes.append(UInt8(ascii: "{")); hasValue.append(false) }
    public mutating func endObject() { hasValue.removeLast(); bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { beginValue(); bytes.append(UInt8(ascii: "[")); hasValue.append(false) }
    public mutating func endArray() { hasValue.removeLast(); bytes.append(UInt8(ascii: "]")) }

    public mutating func key(_ name: String) {
        beginValue()
        string(name)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public init() {}

    public mutating func member(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        beginValue()
        string(value)
    }

    public mutating func member(_ name: String, _ value: Int?) {
        guard let value else { return }
        key(name)
        raw(String(value))
    }

    public mutating func member(_ name: String, _ values: [String]?) {
        guard let values else { return }
        key(name)
        beginArray()
        for value in values {
            beginValue()
            string(value)
        }
        endArray()
    }

    public mutating func raw(_ text: String) {
        beginValue()
        bytes.append(contentsOf: text.utf8)
    }

    private mutating func beginValue() {
        if afterKey { afterKey = false; return }
        if hasValue[hasValue.count - 1] { bytes.append(UInt8(ascii: ",")) }
        hasValue[hasValue.count - 1] = true
    }

    /// A JSON string, byte by byte over the UTF-8 (every byte of a
    /// multi-byte character is 0x80 or more, so it goes as it is): a
    /// `NextToken` of 150 characters once cost 150 strings and arrays.
    private mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "\\"))
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xF)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Plain decimal form with millisecond precision, like AWS's answers.
    public static func number(_ value: Double) -> String {
        let millis = Int64((value * 1000).rounded())
        let fraction = String(abs(millis % 1000))
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    /// `1.732811234567E9`: mantissa and exponent, as some JSON encoders write epoch seconds.
    public static func eNotation(_ value: Double) -> String {
        guard value != 0, value.isFinite else { return "0" }
        var exponent = 0
        var mantissa = abs(value)
        while mantissa >= 10 { mantissa /= 10; exponent += 1 }
        while mantissa < 1 { mantissa *= 10; exponent -= 1 }
        let digits = (mantissa * 1e12).rounded() / 1e12
        return "\(value < 0 ? "-" : "")\(digits)E\(exponent)"
    }
}
