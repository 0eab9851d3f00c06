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
            // The name every sample line starts with, as bytes once per family.
            let prefix = Array((familyName + sampleInfix).utf8)
            for sample in family.samples {
                out.append(contentsOf: prefix)
                if !sample.suffix.isEmpty { append(sample.suffix, to: &out) }
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
                appendValue(sample.value, to: &out)
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

    /// ``formatValue(_:)`` appended to `out`; integers (nearly every sample:
    /// counts, timestamps) are written digit by digit, without a String.
    static func appendValue(_ value: Double, to out: inout [UInt8]) {
        guard value == value.rounded(), abs(value) < 1e15 else {
            append(formatValue(value), to: &out)
            return
        }
        var magnitude = Int64(value).magnitude
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[15 - count] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(16 - count)...]))
        }
    }

    /// Escapes backslash and newline always, double quote where asked (label
    /// values in both formats, HELP text in OpenMetrics).
    /// Runs without an escape are copied whole (most values have none), and
    /// eight bytes at a time are checked for one.
    static func appendEscaped(_ text: String, escapeQuotes: Bool, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            guard let base = UnsafeRawPointer(bytes.baseAddress) else { return }
            let count = bytes.count
            var start = 0, index = 0
            while index < count {
                if count - index >= 8, !mayNeedEscape(base.loadUnaligned(fromByteOffset: index, as: UInt64.self), escapeQuotes: escapeQuotes) {
                    index += 8
                    continue
                }
                let end = min(count, index + 8)
                while index < end {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\\") || byte == 0x0A || (escapeQuotes && byte == UInt8(ascii: "\"")) {
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                        out.append(UInt8(ascii: "\\"))
                        out.append(byte == 0x0A ? UInt8(ascii: "n") : byte)
                        start = index + 1
                    }
                    index += 1
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
    }

    /// Whether one of the eight bytes is a backslash, a newline or (with
    /// `escapeQuotes`) a double quote.
    @inline(__always)
    static func mayNeedEscape(_ word: UInt64, escapeQuotes: Bool) -> Bool {
        ByteWord.contains(UInt8(ascii: "\\"), in: word) || ByteWord.contains(0x0A, in: word)
            || (escapeQuotes && ByteWord.contains(UInt8(ascii: "\""), in: word))
    }

    @inline(__always)
    static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }
}
