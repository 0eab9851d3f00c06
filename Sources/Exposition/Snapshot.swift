import Synchronization

/// The families one collection produced, immutable, with an identity: two
/// snapshots with the same `id` hold the same families.
///
/// Some may be ``DeferredFamilies``: known by name and source digest but not
/// built, because the answers they come from are those of an earlier
/// collection. ``families`` builds them on first use; a renderer that kept
/// their text from before (`/probe`'s piece cache) needs only their names.
public struct Snapshot: Sendable {
    public let id: UInt64
    /// The families the collection built.
    public let builtFamilies: [MetricFamily]
    /// The families it left to be built when needed, if any.
    public let deferred: DeferredFamilies?

    private static let nextID = Atomic<UInt64>(1)

    /// A new snapshot with a process-unique id.
    public init(families: [MetricFamily], deferred: DeferredFamilies? = nil) {
        self.id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        self.builtFamilies = families
        self.deferred = deferred
    }

    /// Every family: the built ones, then the deferred ones (built now if
    /// they were not yet).
    public var families: [MetricFamily] {
        guard let deferred else { return builtFamilies }
        return builtFamilies + deferred.families
    }

    /// No families, for a collection that failed.
    public static let empty = Snapshot(families: [])
}
