/// One line of exposition: a value with its labels.
///
/// `suffix` is appended to the family name (`_bucket`, `_sum`, `_count`,
/// `_total`), so histograms and counters fit the same model.
public struct Sample: Sendable, Hashable {
    public let suffix: String
    public let labels: [Label]
    public let value: Double

    public init(suffix: String = "", labels: [Label] = [], value: Double) {
        self.suffix = suffix
        self.labels = labels
        self.value = value
    }
}
