import Synchronization

/// The families one collection produced, immutable, with an identity: two
/// snapshots with the same `id` hold the same families.
public struct Snapshot: Sendable {
    public let id: UInt64
    public let families: [MetricFamily]

    private static let nextID = Atomic<UInt64>(1)

    /// A new snapshot with a process-unique id.
    public init(families: [MetricFamily]) {
        self.id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        self.families = families
    }

    /// No families, for a collection that failed.
    public static let empty = Snapshot(families: [])
}
