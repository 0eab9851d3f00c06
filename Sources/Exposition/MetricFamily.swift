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
        // Keys are computed once per sample, not once per comparison.
        let keys = samples.map(SortKey.init)
        let order = keys.indices.sorted { keys[$0] < keys[$1] }
        return MetricFamily(name: name, help: help, type: type, samples: order.map { samples[$0] })
    }

    /// Merges families of the same name (from several regions, say) into one,
    /// keeping the first HELP and TYPE. The result is sorted by family name;
    /// a family made of several is sorted again, a single one is kept as its
    /// producer sorted it.
    public static func merge(_ families: [MetricFamily]) -> [MetricFamily] {
        var byName: [String: (family: MetricFamily, merged: Bool)] = [:]
        for family in families {
            if let existing = byName[family.name]?.family {
                byName[family.name] = (MetricFamily(
                    name: existing.name, help: existing.help, type: existing.type,
                    samples: existing.samples + family.samples), true)
            } else {
                byName[family.name] = (family, false)
            }
        }
        return byName.keys.sorted().compactMap { name in
            byName[name].map { $0.merged ? $0.family.sorted() : $0.family }
        }
    }
}

/// How samples are ordered: by their labels other than `le` and `quantile`,
/// then histogram and summary parts in the order client_golang writes them
/// (buckets, sum, count), then `le` or `quantile` numerically.
struct SortKey: Comparable {
    let labels: [Label]
    let rank: Int
    let suffix: String
    let bound: Double

    init(_ sample: Sample) {
        var labels: [Label] = []
        labels.reserveCapacity(sample.labels.count)
        var bound = -Double.infinity
        for label in sample.labels {
            if label.name == "le" || label.name == "quantile" {
                bound = label.value == "+Inf" ? .infinity : Double(label.value) ?? .infinity
            } else {
                labels.append(label)
            }
        }
        self.labels = labels
        self.suffix = sample.suffix
        switch sample.suffix {
        case "_bucket": rank = 0
        case "": rank = 1
        case "_sum": rank = 2
        case "_count": rank = 3
        default: rank = 4
        }
        self.bound = bound
    }

    static func < (lhs: SortKey, rhs: SortKey) -> Bool {
        for (l, r) in zip(lhs.labels, rhs.labels) {
            if l.name != r.name { return l.name < r.name }
            if l.value != r.value { return l.value < r.value }
        }
        if lhs.labels.count != rhs.labels.count { return lhs.labels.count < rhs.labels.count }
        if lhs.rank != rhs.rank { return lhs.rank < rhs.rank }
        if lhs.suffix != rhs.suffix { return lhs.suffix < rhs.suffix }
        return lhs.bound < rhs.bound
    }
}
