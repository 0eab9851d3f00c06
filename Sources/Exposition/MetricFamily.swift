/// A named group of samples with one HELP text and one TYPE, immutable once built.
///
/// Like client_golang's `dto.MetricFamily`: a collector builds fresh families on
/// every scrape and hands them to the encoder; nothing is kept between scrapes.
public struct MetricFamily: Sendable, Hashable {
    public let name: String
    public let help: String
    public let type: MetricType
    public let samples: [Sample]

    public init(name: String, help: String, type: MetricType, samples: [Sample]) {
        self.name = name
        self.help = help
        self.type = type
        self.samples = samples
    }

    /// A copy whose samples are sorted by label values, then suffix: the order
    /// client_golang's registry produces, so output does not depend on input order.
    public func sorted() -> MetricFamily {
        MetricFamily(name: name, help: help, type: type, samples: samples.sorted(by: Self.precedes))
    }

    /// Merges families of the same name (from several regions, say) into one,
    /// keeping the first HELP and TYPE. The result is sorted by family name.
    public static func merge(_ families: [MetricFamily]) -> [MetricFamily] {
        var byName: [String: MetricFamily] = [:]
        for family in families {
            if let existing = byName[family.name] {
                byName[family.name] = MetricFamily(
                    name: existing.name, help: existing.help, type: existing.type,
                    samples: existing.samples + family.samples)
            } else {
                byName[family.name] = family
            }
        }
        return byName.keys.sorted().compactMap { byName[$0]?.sorted() }
    }

    static func precedes(_ lhs: Sample, _ rhs: Sample) -> Bool {
        let count = min(lhs.labels.count, rhs.labels.count)
        for index in 0..<count {
            let left = lhs.labels[index], right = rhs.labels[index]
            if left.name != right.name { return left.name < right.name }
            if left.value != right.value {
                // Numeric `le`/`quantile` labels sort by value, not as text.
                if left.name == "le" || left.name == "quantile",
                   let l = Double(left.value == "+Inf" ? "inf" : left.value),
                   let r = Double(right.value == "+Inf" ? "inf" : right.value) {
                    return l < r
                }
                return left.value < right.value
            }
        }
        if lhs.labels.count != rhs.labels.count { return lhs.labels.count < rhs.labels.count }
        return lhs.suffix < rhs.suffix
    }
}
