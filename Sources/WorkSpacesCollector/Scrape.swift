public import Exposition

/// What one scrape reports: every family, and which of them a server may
/// render once and reuse while `generation` stays the same.
public struct Scrape: Sendable {
    /// All families, sorted by name; families without samples are left out.
    public let families: [MetricFamily]
    /// Names of the families that depend only on `generation`: the image
    /// families, which change only when a new collection finishes.
    public let cacheable: Set<String>
    /// The collections the cacheable families came from, one per region:
    /// equal generations mean equal cacheable families.
    public let generation: [UInt64]

    public init(families: [MetricFamily], cacheable: Set<String>, generation: [UInt64]) {
        self.families = families
        self.cacheable = cacheable
        self.generation = generation
    }
}
