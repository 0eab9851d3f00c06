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
///
/// Each thread has a wake descriptor of its own (``Wake``, made when the
/// thread starts and closed when it ends), handed to every job it runs: a
/// job's blocking waits poll it, whoever gives the job up signals it, and the
/// job drains it before the next. One per thread rather than one per job
/// saves three system calls a job.
public final class WorkerThreads: @unchecked Sendable {
    /// A job, given its thread's wake descriptor.
    public typealias Job = @Sendable (_ wake: Wake) -> Void

    private let name: String
    private let idleTimeout: Duration
    /// How long a parked thread keeps its wake descriptor: a stream of jobs
    /// (the pages of a collection, probes a second apart) reuses it, and a
    /// thread parked longer gives it back (two descriptors) until its next job.
    private let wakeKeep: Duration
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
    /// Threads holding a wake descriptor.
    private var holdingWake = 0

    public init(name: String, idleTimeout: Duration = .seconds(30), maxThreads: Int = 256, wakeKeep: Duration = .seconds(1)) {
        self.name = name
        self.idleTimeout = idleTimeout
        self.wakeKeep = min(wakeKeep, idleTimeout)
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

    /// Threads holding a wake descriptor (each two open descriptors).
    var wakeDescriptorsHeld: Int {
        locked { holdingWake }
    }

    private func work() {
        var descriptors: WakeDescriptors?
        while let entry = nextJob(releasing: &descriptors) {
            if descriptors == nil {
                descriptors = WakeDescriptors()
                if descriptors != nil { locked { holdingWake += 1 } }
            }
            entry.job(descriptors?.wake ?? .none)
        }
    }

    /// A thread's wake descriptor: what its jobs' waits poll, and how others
    /// make it readable.
    public struct Wake: Sendable {
        /// Polled by the waits: readable once signalled, until drained. -1
        /// when the system refused one (`poll` ignores it: waits then end
        /// only by their deadlines).
        public let descriptor: Int32
        fileprivate let peer: Int32

        static let none = Wake(descriptor: -1, peer: -1)

        /// Makes ``descriptor`` readable (it stays so until drained).
        public func signal() {
            guard peer >= 0 else { return }
            var byte: UInt8 = 1
            _ = send(peer, &byte, 1, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
        }

        /// Makes a signalled ``descriptor`` unreadable again.
        public func drain() {
            guard descriptor >= 0 else { return }
            var bytes = (UInt64(0), UInt64(0))
            while withUnsafeMutableBytes(of: &bytes, { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }) > 0 {}
        }
    }

    /// The socket pair behind a thread's ``Wake``, created close-on-exec in
    /// one call (a credential helper spawned meanwhile never inherits it),
    /// closed when the thread ends.
    private final class WakeDescriptors {
        let wake: Wake

        init?() {
            var ends: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &ends) == 0 else {
                return nil
            }
            wake = Wake(descriptor: ends[0], peer: ends[1])
        }

        deinit {
            close(wake.descriptor)
            close(wake.peer)
        }
    }

    /// The next job, or nil when this thread should end (its wake
    /// descriptor, if any, then closes with it). Parked past ``wakeKeep``,
    /// the thread closes its wake descriptor and waits out the rest of the
    /// idle timeout without it.
    private func nextJob(releasing descriptors: inout WakeDescriptors?) -> Entry? {
        let next: Entry? = locked {
            while true {
                if !queue.isEmpty { return queue.removeFirst() }
                if stopping { break }
                idle += 1
                let holding = descriptors != nil
                var time = Self.monotonicTimespec(after: holding ? wakeKeep : idleTimeout - wakeKeep)
                let result = pthread_cond_timedwait(wake, mutex, &time)
                idle -= 1
                if result == ETIMEDOUT, queue.isEmpty {
                    if holding {
                        descriptors = nil
                        holdingWake -= 1
                        continue
                    }
                    break
                }
            }
            if descriptors != nil { holdingWake -= 1 }
            running -= 1
            pthread_cond_broadcast(ended)
            return nil
        }
        if next == nil { descriptors = nil }
        return next
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
