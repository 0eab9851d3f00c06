/// Durations as Go's `time.ParseDuration` reads them (`1s`, `1.5h`, `300ms`,
/// `1h30m`, `2us`, `-1m`): what exporter-toolkit's web config takes for
/// `rate_limit.interval`. Signed, so that callers can say why a negative one
/// is refused; nil for anything Go would refuse, or beyond Go's range
/// (about 292 years either way).
public enum GoDuration {
    /// Units in nanoseconds, as Go spells them (`µs` with either micro sign).
    static let units: [String: Int64] = [
        "ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
        "m": 60_000_000_000, "h": 3_600_000_000_000,
    ]

    /// Nanoseconds, or nil when `text` is not a Go duration.
    public static func nanoseconds(_ text: String) -> Int64? {
        var rest = Substring(text)
        var negative = false
        if let sign = rest.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            rest = rest.dropFirst()
        }
        // "0" alone needs no unit, as in Go.
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        // The magnitude, kept as a UInt64 so that -9223372036854775808ns parses, as in Go.
        var total: UInt64 = 0
        let limit: UInt64 = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        while !rest.isEmpty {
            let whole = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(whole.count)
            var fraction = Substring("")
            if rest.first == "." {
                rest = rest.dropFirst()
                fraction = rest.prefix { $0.isASCII && $0.isNumber }
                rest = rest.dropFirst(fraction.count)
            }
            guard !whole.isEmpty || !fraction.isEmpty else { return nil }
            let unitText = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            rest = rest.dropFirst(unitText.count)
            guard let unit = units[String(unitText)] else { return nil }
            // Whole part times the unit, checked for overflow.
            var value: UInt64 = 0
            for digit in whole.utf8 {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (plus, overflow2) = times.addingReportingOverflow(UInt64(digit - 0x30))
                guard !overflow1, !overflow2, plus <= limit else { return nil }
                value = plus
            }
            let (scaled, overflow) = value.multipliedReportingOverflow(by: UInt64(unit))
            guard !overflow, scaled <= limit else { return nil }
            // The fraction: digits past nanosecond precision are dropped, as Go does.
            var fractional: UInt64 = 0
            var scale = UInt64(unit)
            for digit in fraction.utf8 {
                guard scale >= 10 else { break }
                scale /= 10
                fractional += UInt64(digit - 0x30) * scale
            }
            let (sum, overflow3) = scaled.addingReportingOverflow(fractional)
            guard !overflow3, sum <= limit else { return nil }
            let (next, overflow4) = total.addingReportingOverflow(sum)
            guard !overflow4, next <= limit else { return nil }
            total = next
        }
        if negative { return total == UInt64(Int64.max) + 1 ? Int64.min : -Int64(total) }
        return Int64(total)
    }
}
