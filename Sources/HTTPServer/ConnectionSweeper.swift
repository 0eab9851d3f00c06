import Support
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The server's sweeper thread, off libmicrohttpd's: closes connections
/// past their timeouts (``ConnectionTable/sweep(now:)``) and, when there are
/// files to watch, looks for a changed web config and renewed certificates
/// for new connections.
///
/// It sleeps until the next connection deadline (plus `slack`, so that the
/// deadline has passed; at least 10 ms), and never longer than the shorter of the two
/// timeouts: a connection opened or answered meanwhile has a deadline at
/// least that far ahead, so no one needs to wake it, and each deadline is
/// enforced within `slack`. With files to watch it also wakes every
/// `fileCheckEvery`. An idle exporter without a web config file so wakes
/// once per shorter timeout (10 s by default), not once a second: each
/// wake-up of a sleeping thread cost about 80 µs of CPU on a 2-core VM.
final class ConnectionSweeper: @unchecked Sendable {
    static let slack: Duration = .milliseconds(5)

    // pthread primitives need stable addresses: allocated once, never moved.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Guarded by `mutex`.
    private var stopped = false
    /// Wake-ups so far, for tests. Guarded by `mutex`.
    private var wakeUps = 0

    init() {
        pthread_mutex_init(mutex, nil)
        MonotonicTime.initCondition(condition)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Starts the thread; false when the system refused one.
    @discardableResult
    func start(connections: ConnectionTable, webConfig: WebConfigWatcher, fileCheckEvery: Duration) -> Bool {
        let shorterTimeout = min(connections.limits.readHeaderTimeout, connections.limits.idleTimeout)
        let watchesFiles = webConfig.path != nil || webConfig.current.tls != nil
        return DedicatedThread.start(name: "http-sweeper") { [self] in
            let clock = ContinuousClock()
            while true {
                let now = clock.now
                var wake = connections.sweep(now: now).map { min($0 + Self.slack, now + shorterTimeout) } ?? now + shorterTimeout
                if watchesFiles {
                    webConfig.refresh()
                    webConfig.current.tls?.certificates.refresh()
                    wake = min(wake, now + fileCheckEvery)
                }
                guard sleep(for: clock.now.duration(to: wake)) else { return }
            }
        }
    }

    /// Ends the thread at its next wake-up, which this causes.
    func stop() {
        pthread_mutex_lock(mutex)
        stopped = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// How many times the thread has woken, for tests.
    var wakeUpCount: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return wakeUps
    }

    /// Sleeps `duration` unless stopped first; whether to go on.
    private func sleep(for duration: Duration) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if !stopped {
            var time = MonotonicTime.deadline(after: max(duration, .milliseconds(10)))
            pthread_cond_timedwait(condition, mutex, &time)
            wakeUps += 1
        }
        return !stopped
    }
}
