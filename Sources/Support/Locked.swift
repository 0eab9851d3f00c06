#if SANITIZE_THREADS
#if canImport(Glibc)
import Glibc
#endif

/// State behind a lock. Built with `-D SANITIZE_THREADS` (scripts/sanitize.sh,
/// for ThreadSanitizer) it is a pthread mutex, which ThreadSanitizer sees:
/// Swift 6.3.1's `Synchronization.Mutex` takes its lock inside the prebuilt,
/// uninstrumented Synchronization library, so every access it protects
/// looks like a race to ThreadSanitizer (a ten-line program with one Mutex
/// and four threads reports them). Otherwise it is `Synchronization.Mutex`.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init(_ initialValue: sending Value) {
        value = initialValue
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    public func withLock<Result, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
#else
public import Synchronization

/// State behind a lock: `Synchronization.Mutex`, except in the
/// ThreadSanitizer build (`-D SANITIZE_THREADS`, see the other branch of this file).
public typealias Locked<Value> = Synchronization.Mutex<Value>
#endif
