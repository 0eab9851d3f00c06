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
/// idle process holds none. A job goes to the thread parked last: the one
/// whose stack and caches are warmest, while the others age out.
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
    private let ended = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Guarded by `mutex`.
    private var queue: [Entry] = []
    /// Parked threads, the last parked last.
    private var idle: [ThreadContext] = []
    private var running = 0
    private var stopping = false
    /// Threads holding a wake descriptor.
    private var holdingWake = 0
    /// Threads in ``blockHere(_:)``.
    private var blockedThreads = 0

    public init(name: String, idleTimeout: Duration = .seconds(30), maxThreads: Int = 256, wakeKeep: Duration = .seconds(1)) {
        self.name = name
        self.idleTimeout = idleTimeout
        self.wakeKeep = min(wakeKeep, idleTimeout)
        self.maxThreads = max(1, maxThreads)
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(ended, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        // Threads hold a reference to self while they run, so none is left.
        pthread_cond_destroy(ended)
        pthread_mutex_destroy(mutex)
        ended.deallocate()
        mutex.deallocate()
    }

    /// Threads alive, busy or idle.
    public var threadCount: Int {
        locked { running }
    }

    /// Threads waiting for a job.
    public var idleThreadCount: Int {
        locked { idle.count }
    }

    /// Runs `job` on an idle thread or a new one. False after ``stop()`` or
    /// when the system refuses a thread.
    @discardableResult
    public func submit(_ job: @escaping Job) -> Bool {
        submit(entry: Entry(job))
    }

    private func submit(entry: Entry) -> Bool {
        var parked: ThreadContext?
        let needsThread: Bool? = locked {
            if stopping { return nil }
            queue.append(entry)
            parked = idle.popLast()
            if parked != nil { return false }
            // At the cap: the job waits for the next thread that comes free.
            if running >= maxThreads { return false }
            running += 1
            return true
        }
        // Signalled after the mutex is released, so that the thread woken
        // does not wake only to wait for it (two system calls more). Taken
        // off the parked list under the mutex, it is waiting (or has just
        // timed out, and then finds the job itself); the reference held
        // here keeps its condition alive even if it has ended meanwhile.
        if let parked { pthread_cond_signal(parked.condition) }
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
            for parked in idle { pthread_cond_signal(parked.condition) }
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
        let context = ThreadContext(pool: self)
        pthread_setspecific(Self.contextKey, Unmanaged.passUnretained(context).toOpaque())
        defer { pthread_setspecific(Self.contextKey, nil) }
        while let entry = nextJob(for: context, releasing: &descriptors) {
            if descriptors == nil {
                descriptors = WakeDescriptors()
                if descriptors != nil { locked { holdingWake += 1 } }
            }
            context.wake = descriptors?.wake ?? .none
            entry.job(context.wake)
            // A task this job made ready runs next, here, warm.
            while let next = context.next {
                context.next = nil
                next.job(context.wake)
            }
        }
    }

    // MARK: Running tasks

    /// What a thread of a pool knows about itself.
    private final class ThreadContext {
        unowned(unsafe) let pool: WorkerThreads
        var wake = Wake.none
        /// The task job to run when the current job returns (as Go's `runnext`).
        var next: Entry?
        /// Whether the current job is blocked in ``blockHere(_:)``.
        var blocking = false
        /// Signalled to hand this parked thread a job (taken off the parked list under the pool's mutex).
        let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

        init(pool: WorkerThreads) {
            self.pool = pool
            var attributes = pthread_condattr_t()
            pthread_condattr_init(&attributes)
            pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
            pthread_cond_init(condition, &attributes)
            pthread_condattr_destroy(&attributes)
        }

        deinit {
            pthread_cond_destroy(condition)
            condition.deallocate()
        }
    }

    private static let contextKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The calling thread's context, when it is a thread of some pool.
    private static var context: ThreadContext? {
        guard let raw = pthread_getspecific(contextKey) else { return nil }
        return Unmanaged<ThreadContext>.fromOpaque(raw).takeUnretainedValue()
    }

    /// The pool whose thread is calling, if any: an unstructured task started
    /// there (`Task(executorPreference: WorkerThreads.current)`) stays on it.
    public static var current: WorkerThreads? { context?.pool }

    /// Threads that may block in ``blockHere(_:)`` at once: the rest (an
    /// eighth, at least one) stay free for tasks, so that blocked requests
    /// never keep a scrape from its answer. None in a pool of one thread.
    public var maxBlockedThreads: Int { maxThreads - max(1, maxThreads / 8) }

    /// Runs blocking `body` on the calling thread, given its wake descriptor,
    /// when that is a thread of a pool with room for one more blocked thread;
    /// nil (and `body` not run) otherwise. The task made ready meanwhile for
    /// this thread is handed to another first, so nothing waits behind `body`.
    public static func blockHere<T>(_ body: (Wake) -> T) -> T? {
        guard let context, !context.blocking else { return nil }
        let pool = context.pool
        let allowed = pool.locked {
            guard pool.blockedThreads < pool.maxBlockedThreads else { return false }
            pool.blockedThreads += 1
            return true
        }
        guard allowed else { return nil }
        if let next = context.next {
            context.next = nil
            if !pool.submit(entry: next) { next.refused?() }
        }
        context.blocking = true
        defer {
            context.blocking = false
            pool.locked { pool.blockedThreads -= 1 }
        }
        return body(context.wake)
    }

    /// Queues a task's job: as the next job of the calling thread when it is
    /// one of this pool's (the job that made it ready is about to return),
    /// else for any thread. Never dropped: refused (stopped, or no thread to
    /// be had), it goes to Swift's global executor.
    private func submitTask(_ entry: Entry) {
        if let context = Self.context, context.pool === self, !context.blocking {
            let previous = context.next
            context.next = entry
            guard let previous else { return }
            if !submit(entry: previous) { previous.refused?() }
            return
        }
        if !submit(entry: entry) { entry.refused?() }
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
    private func nextJob(for context: ThreadContext, releasing descriptors: inout WakeDescriptors?) -> Entry? {
        let next: Entry? = locked {
            while true {
                if !queue.isEmpty { return queue.removeFirst() }
                if stopping { break }
                idle.append(context)
                let holding = descriptors != nil
                var time = Self.monotonicTimespec(after: holding ? wakeKeep : idleTimeout - wakeKeep)
                let result = pthread_cond_timedwait(context.condition, mutex, &time)
                // Still parked: not handed a job (a time-out, or a spurious wake-up).
                if let index = idle.lastIndex(where: { $0 === context }) { idle.remove(at: index) }
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
        /// What a task's job does when the pool refuses it.
        let refused: (@Sendable () -> Void)?
        init(_ job: @escaping Job, refused: (@Sendable () -> Void)? = nil) {
            self.job = job
            self.refused = refused
        }
    }
}

/// A pool is also an executor for tasks (`withTaskExecutorPreference`): their
/// jobs run on its threads, where ``WorkerThreads/blockHere(_:)`` lets blocking
/// I/O run inline instead of handing it to another thread and back.
extension WorkerThreads: TaskExecutor {
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        submitTask(Entry({ [unowned(unsafe) self] _ in job.runSynchronously(on: self.asUnownedTaskExecutor()) },
                         refused: { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }))
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
