import Support
import Synchronization

/// What a request's I/O on a worker thread watches to stop early: a flag,
/// checked before every read and write without a system call, and a
/// descriptor that every blocking wait polls beside its socket, readable once
/// the flag is raised. The descriptor is the worker thread's own (one per
/// thread, reused by each request it runs; see ``WorkerThreads``).
package struct Cancellation: Sendable {
    /// Polled by the waits: readable once raised. A negative descriptor is
    /// ignored by `poll`, so such a wait ends only by its deadline.
    let descriptor: Int32
    private let flag: Flag

    package init(descriptor: Int32, flag: Flag) {
        self.descriptor = descriptor
        self.flag = flag
    }

    /// Never raised: for I/O nobody cancels (the fuzz harness).
    package static func never(descriptor: Int32) -> Cancellation {
        Cancellation(descriptor: descriptor, flag: Flag())
    }

    /// Throws ``HTTPClientError/cancelled`` once raised.
    func check() throws(HTTPClientError) {
        if flag.isRaised { throw .cancelled }
    }

    var isRaised: Bool { flag.isRaised }

    /// Empties the descriptor of a signal that was not this request's.
    func drain() {
        WorkerThreads.Wake.drain(descriptor)
    }

    /// Raised once, by whoever gives the request up.
    package final class Flag: Sendable {
        private let raised = Atomic<Bool>(false)

        package init() {}

        var isRaised: Bool { raised.load(ordering: .acquiring) }

        func raise() { raised.store(true, ordering: .releasing) }
    }
}
