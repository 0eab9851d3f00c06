import Support
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Threads for blocking jobs, kept for a while when idle so that a burst of
/// jobs (the pages of one collection) does not create a thread for each.
/// When no thread is idle a new one starts, up to `maxThreads`; past that,
/// jobs wait in order for a thread to come free (every job of this project
/// ends by its own deadline). Idle threads end after `idleTimeout`, so an
/// idle process holds none.
public final class WorkerThreads: @unchecked Sendable {
    public typealias Job = @Sendable () -> Void

    private let name: String
    private let idleTimeout: Duration
    /// Threads alive at most.
    public let maxThreads: Int
    // pthread primitives need stable addresses: allocated once, never moved.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let ended = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Guarded by `mutex`.
    private var queue: [Entry] = []
    private var idle = 0
    private var running = 0
    private var stopping = false

    public init(name: String, idleTimeout: Duration = .seconds(30), maxThreads: Int = 256) {
        self.name = name
        self.idleTimeout = idleTimeout
        self.maxThreads = max(1, maxThreads)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(wake, &attributes)
        pthread_cond_init(ended, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        // Threads hold a reference to self while they run, so none is left.
        pthread_cond_destroy(wake)
        pthread_cond_destroy(ended)
        pthread_mutex_destroy(mutex)
        wake.deallocate()
        ended.deallocate()
        mutex.deallocate()
    }

    /// Threads alive, busy or idle.
    public var threadCount: Int {
        locked { running }
    }

    /// Threads waiting for a job.
    public var idleThreadCount: Int {
        locked { idle }
    }

    /// Runs `job` on an idle thread or a new one. False after ``stop()`` or
    /// when the system refuses a thread.
    @discardableResult
    public func submit(_ job: @escaping Job) -> Bool {
        let entry = Entry(job)
        let needsThread: Bool? = locked {
            if stopping { return nil }
            queue.append(entry)
            if idle > queue.count - 1 {
                pthread_cond_signal(wake)
                return false
            }
            // At the cap: the job waits for the next thread that comes free.
            if running >= maxThreads { return false }
            running += 1
            return true
        }
        guard let needsThread else { return false }
        if needsThread, !DedicatedThread.start(name: name, { self.work() }) {
            return locked {
                running -= 1
                pthread_cond_broadcast(ended)
                // Another thread may have taken it meanwhile: then it runs.
                guard let index = queue.firstIndex(where: { $0 === entry }) else { return true }
                queue.remove(at: index)
                return false
            }
        }
        return true
    }

    /// Lets idle threads end and refuses new jobs; queued jobs still run.
    public func stop() {
        locked {
            stopping = true
            pthread_cond_broadcast(wake)
        }
    }

    /// Blocks until every thread has ended or `timeout` has passed; true when
    /// none is left. Call it off Swift's cooperative pool.
    public func waitForThreads(timeout: Duration) -> Bool {
        let deadline = Self.monotonicTimespec(after: timeout)
        return locked {
            while running > 0 {
                var time = deadline
                if pthread_cond_timedwait(ended, mutex, &time) == ETIMEDOUT { break }
            }
            return running == 0
        }
    }

    private func work() {
        while let entry = nextJob() {
            entry.job()
        }
    }

    /// The next job, or nil when this thread should end.
    private func nextJob() -> Entry? {
        locked {
            while true {
                if !queue.isEmpty { return queue.removeFirst() }
                if stopping { break }
                idle += 1
                var time = Self.monotonicTimespec(after: idleTimeout)
                let result = pthread_cond_timedwait(wake, mutex, &time)
                idle -= 1
                if result == ETIMEDOUT, queue.isEmpty { break }
            }
            running -= 1
            pthread_cond_broadcast(ended)
            return nil
        }
    }

    private final class Entry {
        let job: Job
        init(_ job: @escaping Job) { self.job = job }
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }

    private static func monotonicTimespec(after duration: Duration) -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (seconds, attoseconds) = duration.components
        var nanoseconds = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000)
        var wholeSeconds = Int(now.tv_sec) + Int(seconds)
        if nanoseconds >= 1_000_000_000 {
            nanoseconds -= 1_000_000_000
            wholeSeconds += 1
        }
        return timespec(tv_sec: wholeSeconds, tv_nsec: nanoseconds)
    }
}
