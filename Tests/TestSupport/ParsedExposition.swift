/// A small parser of the text format for assertions: one entry per sample
/// line; comments are skipped. promtool checks the format itself; this only
/// reads values back.
public struct ParsedExposition: Sendable {
    public struct Series: Hashable, Sendable {
        public let name: String
        public let labels: [String: String]
    }

    public private(set) var values: [Series: Double] = [:]
    /// The series of each family, so that a lookup by labels reads one
    /// family, not every sample (tests make thousands of lookups).
    private var byName: [String: [(labels: [String: String], value: Double)]] = [:]

    public init(_ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("#") { continue }
            if let (series, value) = Self.parseSample(Substring(line)) { values[series] = value }
        }
        for (series, value) in values { byName[series.name, default: []].append((series.labels, value)) }
    }

    static func parseSample(_ line: Substring) -> (Series, Double)? {
        var labels: [String: String] = [:]
        let name: Substring
        var rest: Substring
        if let brace = line.firstIndex(of: "{") {
            name = line[..<brace]
            var index = line.index(after: brace)
            while index < line.endIndex, line[index] != "}" {
                guard let equals = line[index...].firstIndex(of: "=") else { return nil }
                let key = String(line[index..<equals])
                // Skip =" (anything else is not a sample this parser reads).
                guard line.distance(from: equals, to: line.endIndex) >= 2 else { return nil }
                index = line.index(equals, offsetBy: 2)
                var value = ""
                while index < line.endIndex, line[index] != "\"" {
                    if line[index] == "\\" {
                        index = line.index(after: index)
                        guard index < line.endIndex else { return nil }
                        switch line[index] {
                        case "n": value.append("\n")
                        default: value.append(line[index])
                        }
                    } else {
                        value.append(line[index])
                    }
                    index = line.index(after: index)
                }
                labels[key] = value
                guard index < line.endIndex else { return nil }
                index = line.index(after: index) // closing quote
                if index < line.endIndex, line[index] == "," { index = line.index(after: index) }
            }
            guard index < line.endIndex else { return nil }
            rest = line[line.index(after: index)...]
        } else {
            guard let space = line.firstIndex(of: " ") else { return nil }
            name = line[..<space]
            rest = line[space...]
        }
        let valueText = rest.trimmingPrefix(" ").split(separator: " ").first.map(String.init) ?? ""
        let value: Double?
        switch valueText {
        case "+Inf": value = .infinity
        case "-Inf": value = -.infinity
        case "NaN": value = .nan
        default: value = Double(valueText)
        }
        guard let value else { return nil }
        return (Series(name: String(name), labels: labels), value)
    }

    /// The value of the series with exactly these labels; else of the one
    /// series whose labels include them (so a test about a region need not
    /// repeat `account_id`); nil when there is none, or several.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        if let exact = values[Series(name: name, labels: labels)] { return exact }
        let matching = (byName[name] ?? []).filter { series in
            labels.allSatisfy { series.labels[$0.key] == $0.value }
        }
        return matching.count == 1 ? matching.first?.value : nil
    }

    /// Every series of a family.
    public func series(_ name: String) -> [Series: Double] {
        var out: [Series: Double] = [:]
        for series in byName[name] ?? [] { out[Series(name: name, labels: series.labels)] = series.value }
        return out
    }

    /// Every series of a family, labels without `dropping` (e.g. `account_id`),
    /// for comparing with a seed that knows nothing of accounts.
    public func series(_ name: String, dropping label: String) -> [[String: String]: Double] {
        var out: [[String: String]: Double] = [:]
        for (series, value) in values where series.name == name {
            var labels = series.labels
            labels[label] = nil
            out[labels] = value
        }
        return out
    }

}
