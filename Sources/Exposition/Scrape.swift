/// What one scrape reports: the snapshots of the collections it draws on,
/// and the families built for this scrape alone.
///
/// Like client_golang's gathered families, everything here is immutable. A
/// snapshot's families change only when a new collection finishes, so an
/// encoder may render a snapshot once and reuse the bytes while its `id`
/// comes back; that decision, and the cache, are the encoder's.
public struct Scrape: Sendable {
    /// One per collection (per target), in a stable order.
    public let snapshots: [Snapshot]
    /// Families built for this scrape (health, API counters, process):
    /// never the same name as a snapshot family.
    public let live: [MetricFamily]
    /// What the scrape is about (a `/probe` target), for a renderer that
    /// keeps pieces from one scrape of a source to the next; empty for none.
    public let source: String

    public init(snapshots: [Snapshot], live: [MetricFamily], source: String = "") {
        self.snapshots = snapshots
        self.live = live
        self.source = source
    }

    /// Every family, merged across snapshots and sorted by name, without
    /// empty ones: what a renderer without a cache writes.
    public var allFamilies: [MetricFamily] {
        MetricFamily.merge(snapshots.flatMap(\.families) + live).filter { !$0.samples.isEmpty }
    }
}
