import Synchronization

/// A count shared between a test and the tasks it starts (what finished, in
/// which order), for assertions on ordering rather than on time.
public final class Counter: Sendable {
    private let count = Atomic<Int>(0)

    public init() {}

    public func increment() { count.add(1, ordering: .sequentiallyConsistent) }

    public var value: Int { count.load(ordering: .sequentiallyConsistent) }
}
