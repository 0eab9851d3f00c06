/// Encoder for the two text formats Prometheus reads: its own text format 0.0.4
/// and OpenMetrics 1.0. They differ only where ``ExpositionFormat`` says.
///
/// See https://prometheus.io/docs/instrumenting/exposition_formats/ and
/// https://github.com/prometheus/OpenMetrics/blob/main/specification/OpenMetrics.md.
public enum TextFormat {
    /// Renders families in the order given (callers pass ``MetricFamily/merge(_:)``'s
    /// sorted output) in the 0.0.4 format.
    public static func encode(_ families: [MetricFamily]) -> [UInt8] {
        ExpositionFormat.prometheusText.encode(families)
    }

    /// Appends families without any trailer. In OpenMetrics a counter family's
    /// HELP and TYPE name drops `_total`, which stays on its samples, and HELP
    /// escapes double quotes too.
    static func append(_ families: [MetricFamily], openMetrics: Bool, to out: inout [UInt8]) {
        out.reserveCapacity(out.count + families.reduce(0) { $0 + 128 + $1.samples.count * 96 })
        for family in families {
            var familyName = family.name
            var sampleInfix = ""
            if openMetrics, family.type == .counter {
                if familyName.hasSuffix("_total") { familyName.removeLast(6) }
                sampleInfix = "_total"
            }
            append("# HELP ", to: &out)
            append(familyName, to: &out)
            out.append(0x20)
            appendEscaped(family.help, escapeQuotes: openMetrics, to: &out)
            out.append(0x0A)
            append("# TYPE ", to: &out)
            append(familyName, to: &out)
            out.append(0x20)
            append(openMetrics && family.type == .untyped ? "unknown" : family.type.rawValue, to: &out)
            out.append(0x0A)
            for sample in family.samples {
                append(familyName, to: &out)
                append(sampleInfix, to: &out)
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

    /// Escapes backslash and newline always, double quote where asked (label
    /// values in both formats, HELP text in OpenMetrics).
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
