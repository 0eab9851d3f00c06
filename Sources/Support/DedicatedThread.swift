#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CGlibc

/// Threads of their own, for work that blocks: HTTP client I/O, a
/// credential helper's pipes, a listening socket. Swift's cooperative pool has
/// only as many threads as cores (two here), and one blocked call there can
/// stall every scrape and `/-/healthy` with it.
public enum DedicatedThread {
    /// Starts `body` on a new detached thread; `name` says what it is for.
    /// Returns false when the system refuses a thread.
    @discardableResult
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Body(name: name, run: body))
        var thread = pthread_t()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let result = pthread_create(&thread, &attributes, { raw in
            guard let raw else { return nil }
            let body = Unmanaged<Body>.fromOpaque(raw).takeRetainedValue()
            body.nameThread()
            body.run()
            return nil
        }, box.toOpaque())
        if result != 0 {
            box.release()
            return false
        }
        return true
    }

    /// Runs blocking `work` on a thread of its own and waits for it without
    /// holding a cooperative thread. Falls back to running inline if no thread
    /// can be had, which only a system out of threads would see.
    public static func run<T: Sendable>(name: String = "blocking", _ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let started = start(name: name) { continuation.resume(returning: work()) }
            if !started { continuation.resume(returning: work()) }
        }
    }

    private final class Body: Sendable {
        let name: String
        let run: @Sendable () -> Void
        init(name: String, run: @escaping @Sendable () -> Void) {
            self.name = name
            self.run = run
        }

        /// Names the calling thread (what `top -H` and /proc/PID/task/TID/comm
        /// show; the kernel keeps the first 15 bytes); otherwise it would
        /// inherit the name of whichever thread started it.
        func nameThread() {
            _ = name.withCString { cglibc_name_thread($0) }
        }
    }
}
