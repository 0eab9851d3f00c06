import Testing
@testable import Exposition

/// The order of samples within a family (client_golang's): checked against a
/// reference written the plain way, on random families.
@Suite struct MetricFamilyTests {
    /// The order as first written here: a key per sample (labels without
    /// `le` and `quantile`, a rank of the suffix, the suffix, the bound),
    /// compared field by field.
    struct ReferenceKey: Comparable {
        let labels: [Label]
        let rank: Int
        let suffix: String
        let bound: Double

        init(_ sample: Sample) {
            labels = sample.labels.filter { $0.name != "le" && $0.name != "quantile" }
            // The last, as the first version of SortKey read them.
            let bounds = sample.labels.last { $0.name == "le" || $0.name == "quantile" }
            bound = bounds.map { $0.value == "+Inf" ? .infinity : Double($0.value) ?? .infinity } ?? -.infinity
            suffix = sample.suffix
            rank = ["_bucket": 0, "": 1, "_sum": 2, "_count": 3][sample.suffix] ?? 4
        }

        static func < (lhs: ReferenceKey, rhs: ReferenceKey) -> Bool {
            for (l, r) in zip(lhs.labels, rhs.labels) {
                if l.name != r.name { return l.name < r.name }
                if l.value != r.value { return l.value < r.value }
            }
            if lhs.labels.count != rhs.labels.count { return lhs.labels.count < rhs.labels.count }
            if lhs.rank != rhs.rank { return lhs.rank < rhs.rank }
            if lhs.suffix != rhs.suffix { return lhs.suffix < rhs.suffix }
            return lhs.bound < rhs.bound
        }

        static func == (lhs: ReferenceKey, rhs: ReferenceKey) -> Bool { !(lhs < rhs) && !(rhs < lhs) }
    }

    static func randomSample(_ generator: inout some RandomNumberGenerator) -> Sample {
        let names = ["account_id", "image_id", "le", "quantile", "region", "state"]
        let values = ["a", "b", "wsi-1", "wsi-10", "wsi-2", "0.5", "1", "+Inf", "10", ""]
        var labels: [Label] = []
        for name in names where Bool.random(using: &generator) {
            labels.append(Label(name, values.randomElement(using: &generator) ?? "a"))
        }
        return Sample(suffix: ["", "_bucket", "_sum", "_count", "_total", "_created"].randomElement(using: &generator) ?? "",
                      labels: labels, value: Double(Int.random(in: 0..<5, using: &generator)))
    }

    @Test func sortingAgreesWithTheReferenceOrder() {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<300 {
            let samples = (0..<Int.random(in: 0..<40, using: &generator)).map { _ in Self.randomSample(&generator) }
            let sorted = MetricFamily(name: "f", help: "h", type: .gauge, samples: samples).sorted().samples
            let keys = sorted.map(ReferenceKey.init)
            #expect(zip(keys, keys.dropFirst()).allSatisfy { !($1 < $0) }, "round \(round): not in order")
            #expect(sorted.count == samples.count)
            // Each pair as the reference orders it, both ways.
            for (a, b) in zip(samples, samples.reversed()) {
                #expect(MetricFamily.precedes(a, b) == (ReferenceKey(a) < ReferenceKey(b)), "\(a) vs \(b)")
            }
        }
    }

    @Test func aFamilyAlreadyInOrderIsKeptAsItIs() {
        let samples = (0..<50).map { Sample(labels: [Label("image_id", "wsi-\(1000 + $0)"), Label("region", "r")], value: Double($0)) }
        #expect(MetricFamily(name: "f", help: "h", type: .gauge, samples: samples).sorted().samples == samples)
        let shuffled = samples.shuffled()
        #expect(MetricFamily(name: "f", help: "h", type: .gauge, samples: shuffled).sorted().samples == samples)
    }

    /// The fingerprint follows the text an encoder writes, not `==`: families
    /// equal as Swift compares them but written differently fingerprint
    /// differently, and so do strings that only split differently.
    @Test func theFingerprintFollowsTheTextNotEquality() {
        func family(_ labels: [Label], value: Double = 1, help: String = "h", type: MetricType = .gauge) -> MetricFamily {
            MetricFamily(name: "f", help: help, type: type, samples: [Sample(labels: labels, value: value)])
        }
        let base = family([Label("name", "caf\u{E9}")])
        #expect(base.fingerprint() == family([Label("name", "caf" + "\u{E9}")]).fingerprint(), "built apart, the same text")
        let decomposed = family([Label("name", "cafe\u{301}")])
        #expect(base == decomposed, "Swift compares strings by canonical equivalence")
        #expect(base.fingerprint() != decomposed.fingerprint(), "but the UTF-8 written differs")
        let zero = family([], value: 0), negativeZero = family([], value: -0.0)
        #expect(zero == negativeZero)
        #expect(zero.fingerprint() != negativeZero.fingerprint(), "value bits, not ==: at worst a miss")
        #expect(family([Label("ab", "c")]).fingerprint() != family([Label("a", "bc")]).fingerprint())
        #expect(base.fingerprint() != family([Label("name", "caf\u{E9}")], value: 2).fingerprint())
        #expect(base.fingerprint() != family([Label("name", "caf\u{E9}")], help: "h2").fingerprint())
        #expect(base.fingerprint() != family([Label("name", "caf\u{E9}")], type: .counter).fingerprint())
        let sum = MetricFamily(name: "f", help: "h", type: .summary, samples: [Sample(suffix: "_sum", value: 1)])
        let count = MetricFamily(name: "f", help: "h", type: .summary, samples: [Sample(suffix: "_count", value: 1)])
        #expect(sum.fingerprint() != count.fingerprint(), "the suffix counts")
        let two = MetricFamily(name: "f", help: "h", type: .gauge, samples: base.samples + base.samples)
        #expect(base.fingerprint() != two.fingerprint())
    }

    /// A family built from sources of a known digest is fingerprinted by that
    /// digest and its name: the same as a family known by name alone, apart
    /// from any content fingerprint, and not part of `==`.
    @Test func aSourceDigestStandsForTheContent() {
        let family = MetricFamily(name: "f", help: "h", type: .gauge, samples: [Sample(labels: [Label("b", "2"), Label("a", "1")], value: 1)])
        let digested = family.withSourceDigest(42)
        #expect(digested.sourceDigest == 42 && family.sourceDigest == nil)
        #expect(digested.fingerprint() == MetricFamily.fingerprint(name: "f", sourceDigest: 42))
        #expect(digested.fingerprint() != family.fingerprint())
        #expect(digested.fingerprint() != family.withSourceDigest(43).fingerprint())
        #expect(MetricFamily.fingerprint(name: "g", sourceDigest: 42) != digested.fingerprint())
        #expect(digested == family && digested.hashValue == family.hashValue, "== compares content")
        #expect(digested.sorted().sourceDigest == 42, "sorting keeps what it was built from")
        #expect(MetricFamily.merge([digested, digested]).first?.sourceDigest == nil, "a merge of several is another family")
    }
}
