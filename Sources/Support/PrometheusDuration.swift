/// Durations as Prometheus writes them (`500ms`, `30s`, `5m`, `1h30m`, `2d`,
/// `1w`) or, for compatibility, a bare number of seconds: the one parser for
/// flags and the config file.
public enum PrometheusDuration {
    /// Prometheus's units, largest first; each may appear once, in this order.
    static let units: [(suffix: String, milliseconds: Int64)] = [
        ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1),
    ]

    /// The duration `text` means, nil when it is not one (or overflows).
    public static func parse(_ text: String) -> Duration? {
        if let seconds = Double(text) {
            guard seconds.isFinite, seconds >= 0, seconds < 1e10 else { return nil }
            return .milliseconds(Int64((seconds * 1000).rounded()))
        }
        guard !text.isEmpty else { return nil }
        var rest = Substring(text)
        var total: Int64 = 0
        var nextUnit = 0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            let letters = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(letters.count)
            guard let index = units[nextUnit...].firstIndex(where: { $0.suffix == letters }) else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: units[index].milliseconds)
            guard !overflow, total <= Int64.max - product else { return nil }
            total += product
            nextUnit = index + 1
        }
        return .milliseconds(total)
    }

    /// The shortest Prometheus form (`1m30s`, `500ms`, `0s`).
    public static func format(_ duration: Duration) -> String {
        var milliseconds = Int64((duration / .milliseconds(1)).rounded())
        guard milliseconds > 0 else { return "0s" }
        var out = ""
        for (suffix, size) in units where milliseconds >= size {
            out += "\(milliseconds / size)\(suffix)"
            milliseconds %= size
        }
        return out
    }
}
