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

    /// Orders samples by their labels other than `le`, then histogram and
    /// summary parts in the order client_golang writes them (buckets, sum,
    /// count), then `le` or `quantile` numerically.
    static func precedes(_ lhs: Sample, _ rhs: Sample) -> Bool {
        let left = lhs.labels.filter { $0.name != "le" && $0.name != "quantile" }
        let right = rhs.labels.filter { $0.name != "le" && $0.name != "quantile" }
        for (l, r) in zip(left, right) {
            if l.name != r.name { return l.name < r.name }
            if l.value != r.value { return l.value < r.value }
        }
        if left.count != right.count { return left.count < right.count }
        let ranks = ["_bucket": 0, "": 1, "_sum": 2, "_count": 3]
        let leftRank = ranks[lhs.suffix] ?? 4, rightRank = ranks[rhs.suffix] ?? 4
        if leftRank != rightRank { return leftRank < rightRank }
        if lhs.suffix != rhs.suffix { return lhs.suffix < rhs.suffix }
        return bound(lhs) < bound(rhs)
    }

    /// The numeric `le` or `quantile` of a sample; -Inf when it has none.
    static func bound(_ sample: Sample) -> Double {
        guard let label = sample.labels.first(where: { $0.name == "le" || $0.name == "quantile" }) else { return -.infinity }
        return label.value == "+Inf" ? .infinity : Double(label.value) ?? .infinity
    }
}
