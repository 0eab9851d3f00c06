/// Encoder for the Prometheus text exposition format, version 0.0.4.
///
/// See https://prometheus.io/docs/instrumenting/exposition_formats/.
public enum TextFormat {
    /// The `Content-Type` of what ``encode(_:)`` produces.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Renders families in the order given (callers pass ``MetricFamily/merge(_:)``'s
    /// sorted output). Every family gets its HELP and TYPE lines, even when empty.
    public static func encode(_ families: [MetricFamily]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(families.reduce(0) { $0 + 128 + $1.samples.count * 96 })
        for family in families {
            append("# HELP ", to: &out)
            append(family.name, to: &out)
            out.append(0x20)
            appendEscaped(family.help, escapeQuotes: false, to: &out)
            out.append(0x0A)
            append("# TYPE ", to: &out)
            append(family.name, to: &out)
            out.append(0x20)
            append(family.type.rawValue, to: &out)
            out.append(0x0A)
            for sample in family.samples {
                append(family.name, to: &out)
                append(sample.suffix, to: &out)
                if !sample.labels.isEmpty {
                    out.append(UInt8(ascii: "{"))
                    for (index, label) in sample.labels.enumerated() {
                        if index > 0 { out.append(UInt8(ascii: ",")) }
                        append(label.name, to: &out)
                        out.append(UInt8(ascii: "="))
                        out.append(UInt8(ascii: "\""))
                        appendEscaped(label.value, escapeQuotes: true, to: &out)
                        out.append(UInt8(ascii: "\""))
                    }
                    out.append(UInt8(ascii: "}"))
                }
                out.append(0x20)
                append(formatValue(sample.value), to: &out)
                out.append(0x0A)
            }
        }
        return out
    }

    /// Formats a sample value the way client_golang does: `NaN`, `+Inf`, `-Inf`,
    /// integers without a fraction, everything else in shortest round-trip form.
    public static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return "\(value)"
    }

    /// Escapes per the 0.0.4 format: backslash and newline always, double quote
    /// in label values only.
    static func appendEscaped(_ text: String, escapeQuotes: Bool, to out: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\\"))
            case 0x0A:
                out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\"") where escapeQuotes:
                out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "\""))
            default:
                out.append(byte)
            }
        }
    }

    @inline(__always)
    static func append(_ text: String, to out: inout [UInt8]) {
        out.append(contentsOf: text.utf8)
    }
}
