/// A named group of samples with one HELP text and one TYPE, immutable once built.
///
/// Like client_golang's `dto.MetricFamily`: a collector builds fresh families on
/// every scrape and hands them to the encoder; nothing is kept between scrapes.
public struct MetricFamily: Sendable, Hashable {
    public let name: String
    public let help: String
    public let type: MetricType
    public let samples: [Sample]
    /// Set by a builder whose families are a function of what it read alone
    /// (API answers, by their ``Listing`` digest, and the target's labels):
    /// a digest of all of that. Two families of the same name and source
    /// digest have the same text, so ``fingerprint()`` is derived from it
    /// instead of hashing every sample. Not part of `==`, which compares
    /// content.
    public let sourceDigest: UInt64?

    public init(name: String, help: String, type: MetricType, samples: [Sample], sourceDigest: UInt64? = nil) {
        self.name = name
        self.help = help
        self.type = type
        self.samples = samples
        self.sourceDigest = sourceDigest
    }

    /// The same family with `digest` as its ``sourceDigest``.
    public func withSourceDigest(_ digest: UInt64) -> MetricFamily {
        MetricFamily(name: name, help: help, type: type, samples: samples, sourceDigest: digest)
    }

    public static func == (lhs: MetricFamily, rhs: MetricFamily) -> Bool {
        lhs.name == rhs.name && lhs.help == rhs.help && lhs.type == rhs.type && lhs.samples == rhs.samples
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(help)
        hasher.combine(type)
        hasher.combine(samples)
    }

    /// A copy whose samples are sorted by label values, then suffix: the order
    /// client_golang's registry produces, so output does not depend on input
    /// order. Samples already in order (producers that build them sorted)
    /// are kept as they are, after one pass of comparisons.
    public func sorted() -> MetricFamily {
        if zip(samples, samples.dropFirst()).allSatisfy({ !Self.precedes($1, $0) }) { return self }
        return MetricFamily(name: name, help: help, type: type, samples: samples.sorted(by: Self.precedes), sourceDigest: sourceDigest)
    }

    /// The order of samples: by their labels other than `le` and `quantile`
    /// (name, then value, label by label; fewer labels first when one list
    /// is a prefix of the other), then histogram and summary parts in the
    /// order client_golang writes them (buckets, the value, sum, count, then
    /// other suffixes by name), then `le` or `quantile` numerically. Nothing
    /// is allocated: it runs once per pair of neighbours for every family.
    static func precedes(_ lhs: Sample, _ rhs: Sample) -> Bool {
        let left = lhs.labels, right = rhs.labels
        var l = 0, r = 0
        while true {
            while l < left.count, isBound(left[l].name) { l += 1 }
            while r < right.count, isBound(right[r].name) { r += 1 }
            guard l < left.count, r < right.count else { break }
            if left[l].name != right[r].name { return left[l].name < right[r].name }
            if left[l].value != right[r].value { return left[l].value < right[r].value }
            l += 1
            r += 1
        }
        // Equal as far as both go: the one with labels left over is longer.
        let leftLonger = left[l...].contains { !isBound($0.name) }
        let rightLonger = right[r...].contains { !isBound($0.name) }
        if leftLonger != rightLonger { return rightLonger }
        let (leftRank, rightRank) = (rank(lhs.suffix), rank(rhs.suffix))
        if leftRank != rightRank { return leftRank < rightRank }
        if lhs.suffix != rhs.suffix { return lhs.suffix < rhs.suffix }
        return bound(lhs) < bound(rhs)
    }

    @inline(__always)
    private static func isBound(_ name: String) -> Bool { name == "le" || name == "quantile" }

    private static func rank(_ suffix: String) -> Int {
        switch suffix {
        case "_bucket": 0
        case "": 1
        case "_sum": 2
        case "_count": 3
        default: 4
        }
    }

    /// The `le` or `quantile` value (the last, should there be several);
    /// -infinity without one.
    private static func bound(_ sample: Sample) -> Double {
        guard let label = sample.labels.last(where: { isBound($0.name) }) else { return -.infinity }
        return label.value == "+Inf" ? .infinity : Double(label.value) ?? .infinity
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

    /// A 64-bit hash of everything an encoder writes for this family: name,
    /// HELP, TYPE, and each sample's suffix, labels and value, strings as
    /// their UTF-8 bytes and values as their bits. Two families with the same
    /// fingerprint render the same text but for a hash collision, which
    /// SipHash-1-3 keyed at random per process (as Swift's `Hasher` is) makes
    /// a chance of one in 2^64 per comparison, even for input chosen to collide.
    ///
    /// Not `hashValue`: that follows `==`, under which strings compare by
    /// canonical equivalence (a precomposed "é" equals "e" and a combining
    /// accent), where the text differs.
    ///
    /// The fields go into one buffer, which is hashed in one call: hashing
    /// them one by one with `Hasher` cost about 60 instructions a string.
    ///
    /// A family with a ``sourceDigest`` has ``fingerprint(name:sourceDigest:)``
    /// instead: its builder vouches that the same digest gives the same text.
    public func fingerprint() -> UInt64 {
        if let sourceDigest { return Self.fingerprint(name: name, sourceDigest: sourceDigest) }
        let buffer = RenderBuffer(capacity: 256 + 256 * samples.count)
        buffer.append(field: name)
        buffer.append(field: help)
        buffer.append(field: type.rawValue)
        buffer.append(word: UInt64(samples.count))
        for sample in samples {
            buffer.append(field: sample.suffix)
            buffer.append(word: UInt64(sample.labels.count))
            for label in sample.labels {
                buffer.append(field: label.name)
                buffer.append(field: label.value)
            }
            buffer.append(word: sample.value.bitPattern)
        }
        return buffer.hashed()
    }

    /// The fingerprint of a family named `name` built from sources of digest
    /// `sourceDigest`, known without building it. Eight 0xFF bytes first keep
    /// the two kinds apart: a content buffer starts with the name's length,
    /// which would take a name of over 2^56 bytes to write that way.
    public static func fingerprint(name: String, sourceDigest: UInt64) -> UInt64 {
        let buffer = RenderBuffer(capacity: 32 + name.utf8.count)
        buffer.append(word: UInt64.max)
        buffer.append(word: sourceDigest)
        buffer.append(field: name)
        return buffer.hashed()
    }
}
