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
        // Grouped first and joined once: appending family by family copied the
        // samples gathered so far each time, quadratic in the targets (1,000
        // targets' families took 5 times the CPU per target of 100).
        var byName: [String: [MetricFamily]] = [:]
        for family in families { byName[family.name, default: []].append(family) }
        return byName.keys.sorted().compactMap { name in
            guard let group = byName[name], let first = group.first else { return nil }
            guard group.count > 1 else { return first }
            var samples: [Sample] = []
            samples.reserveCapacity(group.reduce(0) { $0 + $1.samples.count })
            for family in group { samples += family.samples }
            return MetricFamily(name: first.name, help: first.help, type: first.type, samples: samples).sorted()
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
