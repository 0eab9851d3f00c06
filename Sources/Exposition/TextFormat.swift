import Support

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
        let buffer = RenderBuffer(capacity: families.reduce(0) { $0 + 128 + $1.samples.count * 96 })
        for family in families {
            var familyName = family.name
            var sampleInfix = ""
            if openMetrics, family.type == .counter {
                if familyName.hasSuffix("_total") { familyName.removeLast(6) }
                sampleInfix = "_total"
            }
            buffer.append("# HELP ")
            buffer.append(familyName)
            buffer.append(0x20)
            buffer.appendEscaped(family.help, escapeQuotes: openMetrics)
            buffer.append(0x0A)
            buffer.append("# TYPE ")
            buffer.append(familyName)
            buffer.append(0x20)
            buffer.append(openMetrics && family.type == .untyped ? "unknown" : family.type.rawValue)
            buffer.append(0x0A)
            // The name every sample line starts with, as bytes once per family.
            let prefix = Array((familyName + sampleInfix).utf8)
            for sample in family.samples {
                buffer.append(prefix)
                if !sample.suffix.isEmpty { buffer.append(sample.suffix) }
                if !sample.labels.isEmpty {
                    buffer.append(UInt8(ascii: "{"))
                    for (index, label) in sample.labels.enumerated() {
                        if index > 0 { buffer.append(UInt8(ascii: ",")) }
                        buffer.append(label.name)
                        buffer.append(UInt8(ascii: "="))
                        buffer.append(UInt8(ascii: "\""))
                        buffer.appendEscaped(label.value, escapeQuotes: true)
                        buffer.append(UInt8(ascii: "\""))
                    }
                    buffer.append(UInt8(ascii: "}"))
                }
                buffer.append(0x20)
                buffer.appendValue(sample.value)
                buffer.append(0x0A)
            }
        }
        if out.isEmpty { out = buffer.bytes } else { out += buffer.bytes }
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

    /// ``formatValue(_:)`` appended to `out`.
    static func appendValue(_ value: Double, to out: inout [UInt8]) {
        let buffer = RenderBuffer(capacity: 32)
        buffer.appendValue(value)
        out += buffer.bytes
    }

    /// `text` escaped (``RenderBuffer/appendEscaped(_:escapeQuotes:)``), appended to `out`.
    static func appendEscaped(_ text: String, escapeQuotes: Bool, to out: inout [UInt8]) {
        let buffer = RenderBuffer(capacity: text.utf8.count * 2)
        buffer.appendEscaped(text, escapeQuotes: escapeQuotes)
        out += buffer.bytes
    }
}
