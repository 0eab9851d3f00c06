import Support
import Synchronization

/// Families known before they are built: their names (none of them empty)
/// and the digest of what they are built from, which is their
/// ``MetricFamily/sourceDigest``. Built once, on first use of ``families``,
/// by the closure given; the closure is dropped then. Should the closure
/// build other families than announced, a renderer that looks one up by
/// name renders the scrape whole from what was built.
public final class DeferredFamilies: Sendable {
    /// The names, sorted, of the families the closure builds.
    public let names: [String]
    public let sourceDigest: UInt64

    private enum State: Sendable {
        case pending(@Sendable () -> [MetricFamily])
        case built([MetricFamily])
    }

    private let state: Locked<State>
    /// How many times the closure ran (for tests: once, unless readers race
    /// for the first use, when each runs it and the first result is kept).
    private let builds = Atomic<Int>(0)

    public init(names: [String], sourceDigest: UInt64, build: @escaping @Sendable () -> [MetricFamily]) {
        self.names = names.sorted()
        self.sourceDigest = sourceDigest
        self.state = Locked(.pending(build))
    }

    /// The families, built now if they were not yet. Built outside the lock
    /// (no reader waits behind another's build; should two race, the first
    /// result is kept).
    public var families: [MetricFamily] {
        let pending: (@Sendable () -> [MetricFamily])? = state.withLock { state in
            if case let .pending(build) = state { return build }
            return nil
        }
        guard let pending else { return built() }
        builds.wrappingAdd(1, ordering: .relaxed)
        let made = pending()
        return state.withLock { state in
            if case let .built(first) = state { return first }
            state = .built(made)
            return made
        }
    }

    private func built() -> [MetricFamily] {
        state.withLock { state in
            if case let .built(families) = state { return families }
            return []
        }
    }

    /// Whether the families were built, and how many times the closure ran.
    public var buildCount: Int { builds.load(ordering: .relaxed) }
}
