/// How long a scrape's collection may take, and where that figure came from
/// (for the log line when it runs out).
public struct CollectionBudget: Sendable, Hashable {
    public let duration: Duration
    public let source: String

    public init(duration: Duration, source: String) {
        self.duration = duration
        self.source = source
    }
}
