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
    /// Threads in ``blockHere(brief:_:)`` or waiting for sockets.
    private var blockedThreads = 0

    public init(name: String, idleTimeout: Duration = .seconds(30), maxThreads: Int = 256, wakeKeep: Duration = .seconds(1)) {
        self.name = name
        self.idleTimeout = idleTimeout
        self.wakeKeep = min(wakeKeep, idleTimeout)
        self.maxThreads = max(1, maxThreads)
        pthread_mutex_init(mutex, nil)
        MonotonicTime.initCondition(ended)
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
        let deadline = MonotonicTime.deadline(after: timeout)
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
            entry.run(on: self, wake: context.wake)
            // A task this job made ready runs next, here, warm.
            runReadied(context)
            // Tasks of this thread waiting for their sockets: the thread waits
            // for all of them at once, and runs each as its answer comes.
            while !context.waiters.isEmpty {
                pollWaiters(context)
                runReadied(context)
            }
            if context.holdsSlot {
                context.holdsSlot = false
                releaseSlot()
            }
        }
    }

    /// Runs the task in the thread's next slot, then those its waiters made
    /// ready, until none is left.
    private func runReadied(_ context: ThreadContext) {
        while true {
            let entry: Entry
            if let next = context.next {
                context.next = nil
                entry = next
            } else if !context.ready.isEmpty {
                entry = context.ready.removeFirst()
            } else {
                return
            }
            entry.run(on: self, wake: context.wake)
        }
    }

    // MARK: Running tasks

    /// What a thread of a pool knows about itself.
    private final class ThreadContext {
        unowned(unsafe) let pool: WorkerThreads
        var wake = Wake.none
        /// The task job to run when the current job returns (as Go's `runnext`).
        var next: Entry?
        /// Whether the current job is blocked in ``blockHere(brief:_:)``.
        var blocking = false
        /// Whether the thread counts among the blocked ones: in
        /// ``blockHere(brief:_:)``, or with tasks waiting for their sockets.
        var holdsSlot = false
        /// Tasks of this thread waiting for their sockets (``awaitReadable(_:until:)``).
        var waiters: [SocketWaiter] = []
        /// Tasks made ready while the thread resumed its waiters: they run here, in order.
        var ready: [Entry] = []
        /// Whether the thread is resuming its waiters.
        var resuming = false
        /// Signalled to hand this parked thread a job (taken off the parked list under the pool's mutex).
        let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

        init(pool: WorkerThreads) {
            self.pool = pool
            MonotonicTime.initCondition(condition)
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

    /// Threads that may block in ``blockHere(brief:_:)`` or wait for sockets
    /// at once: the rest (an eighth, at least one) stay free for tasks, so
    /// that blocked requests never keep a scrape from its answer. None in a
    /// pool of one thread.
    public var maxBlockedThreads: Int { maxThreads - max(1, maxThreads / 8) }

    private func acquireSlot() -> Bool {
        locked {
            guard blockedThreads < maxBlockedThreads else { return false }
            blockedThreads += 1
            return true
        }
    }

    private func releaseSlot() {
        locked { blockedThreads -= 1 }
    }

    /// Runs blocking `body` on the calling thread, given its wake descriptor,
    /// when that is a thread of a pool with room for one more blocked thread;
    /// nil (and `body` not run) otherwise. The tasks made ready meanwhile for
    /// this thread are handed to others first, so nothing waits behind
    /// `body`; unless `brief`: for a body that waits only for bytes on their
    /// way (a small request into an empty socket buffer, the rest of an
    /// answer that began to arrive), they wait for it instead of waking
    /// another thread.
    public static func blockHere<T>(brief: Bool = false, _ body: (Wake) -> T) -> T? {
        guard let context, !context.blocking else { return nil }
        let pool = context.pool
        let acquired = !context.holdsSlot
        if acquired {
            guard pool.acquireSlot() else { return nil }
            context.holdsSlot = true
        }
        if !brief {
            if let next = context.next {
                context.next = nil
                if !pool.submit(entry: next) { next.refused() }
            }
            for entry in context.ready where !pool.submit(entry: entry) { entry.refused() }
            context.ready = []
        }
        context.blocking = true
        defer {
            context.blocking = false
            if acquired {
                context.holdsSlot = false
                pool.releaseSlot()
            }
        }
        return body(context.wake)
    }

    // MARK: Waiting for sockets

    /// How ``awaitReadable(_:until:)`` ended.
    public enum Readiness: Sendable {
        /// Readable, closed or in error: a read will tell.
        case readable
        case timedOut
        case cancelled
        /// Not on a thread of a pool, or no room for one more waiting
        /// thread: nothing was waited for.
        case refused
    }

    /// Suspends the calling task until `descriptor` is readable, `deadline`
    /// passes or the task is cancelled. Its thread meanwhile runs the tasks
    /// made ready for it, then waits for the sockets of all its waiting tasks
    /// in one `poll` (with its wake descriptor, which cancellation signals),
    /// and runs each task again as its socket becomes readable. So two
    /// listings of one scrape, each waiting for an API answer, take one
    /// thread and one wake-up when their answers come together, not two.
    /// While it has waiting tasks the thread takes no other job, and counts
    /// among ``maxBlockedThreads``. `.refused` at once when the task is not
    /// on a thread of a pool (prefer the pool with
    /// `withTaskExecutorPreference`).
    public static func awaitReadable(_ descriptor: Int32, until deadline: ContinuousClock.Instant) async -> Readiness {
        await awaitReadable(SocketWaiter(descriptor: descriptor, deadline: deadline))
    }

    /// ``awaitReadable(_:until:)`` for a waiter made beforehand, which
    /// others may end with ``SocketWaiter/cancel()`` (as the task's
    /// cancellation does): the HTTP client's shutdown, say.
    public static func awaitReadable(_ waiter: SocketWaiter) async -> Readiness {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Readiness, Never>) in
                // Here, on the thread that will poll (the task suspends when this returns).
                guard let context, !context.blocking, context.wake.descriptor >= 0,
                      context.holdsSlot || context.pool.acquireSlot()
                else {
                    continuation.resume(returning: .refused)
                    return
                }
                context.holdsSlot = true
                waiter.continuation = continuation
                waiter.attach(context.wake)
                context.waiters.append(waiter)
            }
        } onCancel: {
            waiter.cancel()
        }
    }

    /// One `poll` over the thread's wake descriptor and its waiters'
    /// sockets, until one is readable or the earliest deadline; then resumes
    /// the waiters that are done (readable, past their deadline, cancelled),
    /// whose tasks go to the thread's ready list.
    private func pollWaiters(_ context: ThreadContext) {
        var entries = [pollfd(fd: context.wake.descriptor, events: Int16(POLLIN), revents: 0)]
        entries.reserveCapacity(context.waiters.count + 1)
        var earliest = context.waiters[0].deadline
        var cancelled = false
        for waiter in context.waiters {
            entries.append(pollfd(fd: waiter.descriptor, events: Int16(POLLIN), revents: 0))
            earliest = min(earliest, waiter.deadline)
            if waiter.isCancelled { cancelled = true }
        }
        let remaining = ContinuousClock.now.duration(to: earliest)
        // Rounded up, so that the wait does not end just before the deadline.
        let timeout = cancelled || remaining <= .zero ? Int32(0) : Int32(min(remaining / .milliseconds(1) + 1, 60_000))
        let result = poll(&entries, nfds_t(entries.count), timeout)
        // A failed poll (not an interruption) ends every wait: the reads will tell.
        let failed = result < 0 && errno != EINTR
        if entries[0].revents != 0 { context.wake.drain() }
        let now = ContinuousClock.now
        var waiting: [SocketWaiter] = []
        var done: [(SocketWaiter, Readiness)] = []
        for (index, waiter) in context.waiters.enumerated() {
            if waiter.isCancelled {
                done.append((waiter, .cancelled))
            } else if failed || entries[index + 1].revents != 0 {
                done.append((waiter, .readable))
            } else if now >= waiter.deadline {
                done.append((waiter, .timedOut))
            } else {
                waiting.append(waiter)
            }
        }
        context.waiters = waiting
        context.resuming = true
        for (waiter, readiness) in done { waiter.resume(readiness) }
        context.resuming = false
    }

    /// A task waiting for its socket on a thread of a pool. Its continuation
    /// is touched only by that thread; cancellation, from anywhere, raises
    /// the flag and signals the thread's wake descriptor.
    public final class SocketWaiter: @unchecked Sendable {
        let descriptor: Int32
        let deadline: ContinuousClock.Instant
        /// Set and resumed on the waiting thread only.
        fileprivate var continuation: UnsafeContinuation<Readiness, Never>?
        /// The polling thread's wake descriptor while it waits, and whether it was cancelled.
        private let state = Locked<(wake: Wake?, cancelled: Bool)>((nil, false))

        public init(descriptor: Int32, deadline: ContinuousClock.Instant) {
            self.descriptor = descriptor
            self.deadline = deadline
        }

        var isCancelled: Bool {
            state.withLock { $0.cancelled }
        }

        /// The thread that polls: a cancellation from now on signals it.
        fileprivate func attach(_ wake: Wake) {
            state.withLock { $0.wake = wake }
        }

        /// Ends the wait with `.cancelled` (at once, or as soon as it starts).
        public func cancel() {
            let wake = state.withLock { state -> Wake? in
                state.cancelled = true
                return state.wake
            }
            wake?.signal()
        }

        fileprivate func resume(_ readiness: Readiness) {
            // A cancellation from now on signals no thread (one that comes
            // anyway finds its way: waits drain a signal not theirs).
            state.withLock { $0.wake = nil }
            let continuation = self.continuation
            self.continuation = nil
            continuation?.resume(returning: readiness)
        }
    }

    /// Tasks a thread keeps for itself beside its next slot (the child tasks
    /// of one collection: bundles, alias, ...); more go to other threads.
    static let localLimit = 4

    /// Queues a task's job: as the next job of the calling thread when it is
    /// one of this pool's (the job that made it ready is about to return),
    /// the one it displaces to the thread's ready list (up to
    /// ``localLimit``), else for any thread. The thread runs its ready list
    /// before it waits for sockets, and hands it to others before a blocking
    /// that is not brief, so that a collection's child tasks start there and
    /// wait for their answers beside its own; meanwhile they wait for the
    /// thread's current job (a render, a brief read). Never dropped: refused
    /// (stopped, or no thread to be had), it goes to Swift's global executor.
    private func submitTask(_ entry: Entry) {
        if let context = Self.context, context.pool === self, !context.blocking {
            if context.resuming {
                context.ready.append(entry)
                return
            }
            let previous = context.next
            context.next = entry
            guard let previous else { return }
            if context.ready.count < Self.localLimit {
                context.ready.append(previous)
                return
            }
            if !submit(entry: previous) { previous.refused() }
            return
        }
        if !submit(entry: entry) { entry.refused() }
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
            Self.drain(descriptor)
        }

        /// Reads whatever signals wait in `descriptor` (a wake descriptor's
        /// receiving end), without blocking; nothing for a negative one.
        public static func drain(_ descriptor: Int32) {
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
            // Where the thread stood among the parked ones when it woke
            // without a job: it parks there again, so that a thread giving
            // back its wake descriptor does not jump ahead of the warmer
            // threads parked after it (before, two threads took turns with
            // a stream of jobs a second apart, each one cold).
            var place: Int?
            while true {
                if !queue.isEmpty { return queue.removeFirst() }
                if stopping { break }
                if let place, place < idle.count {
                    idle.insert(context, at: place)
                } else {
                    idle.append(context)
                }
                let holding = descriptors != nil
                var time = MonotonicTime.deadline(after: holding ? wakeKeep : idleTimeout - wakeKeep)
                let result = pthread_cond_timedwait(context.condition, mutex, &time)
                // Still parked: not handed a job (a time-out, or a spurious wake-up).
                place = idle.lastIndex(where: { $0 === context })
                if let place { idle.remove(at: place) }
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

    /// A job: a closure, or a task's job (held as it is: no closure and
    /// context allocated for each of a scrape's 70 or so task jobs).
    private final class Entry {
        private let job: Job?
        private let task: UnownedJob?

        init(_ job: @escaping Job) {
            self.job = job
            task = nil
        }

        init(task: UnownedJob) {
            job = nil
            self.task = task
        }

        func run(on pool: WorkerThreads, wake: Wake) {
            if let task {
                task.runSynchronously(on: pool.asUnownedTaskExecutor())
            } else {
                job?(wake)
            }
        }

        /// The pool refused it: a task's job goes to Swift's global executor
        /// (a closure is dropped, as ``submit(_:)`` said false).
        func refused() {
            if let task { globalConcurrentExecutor.enqueue(ExecutorJob(task)) }
        }
    }
}

/// A pool is also an executor for tasks (`withTaskExecutorPreference`): their
/// jobs run on its threads, where ``WorkerThreads/blockHere(brief:_:)`` lets blocking
/// I/O run inline instead of handing it to another thread and back.
extension WorkerThreads: TaskExecutor {
    public func enqueue(_ job: consuming ExecutorJob) {
        submitTask(Entry(task: UnownedJob(job)))
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}
