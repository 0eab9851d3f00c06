import Foundation
import Synchronization
import Testing
@testable import Support

@Suite struct WorkerThreadsTests {
    @Test func idleThreadsEndAndBusyOnesAreReused() async throws {
        let workers = WorkerThreads(name: "test", idleTimeout: .milliseconds(200))
        for _ in 0..<3 {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                #expect(workers.submit { _ in done.resume() })
            }
            // Until the thread is back waiting (it resumed us before that).
            for _ in 0..<100 where workers.idleThreadCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(workers.threadCount == 1, "one thread served the three jobs in a row")
        // The idle thread ends after its 200 ms: wait for that, not a fixed time.
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while workers.threadCount > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(workers.threadCount == 0, "the idle thread ended")
        workers.stop()
        #expect(!workers.submit { _ in }, "no job after stop")
        #expect(workers.waitForThreads(timeout: .seconds(1)))
    }

    @Test func eachThreadHasAWakeDescriptorThatSignalsUntilDrained() async throws {
        let workers = WorkerThreads(name: "test", wakeKeep: .seconds(30))
        defer { workers.stop() }
        func nextWake() async -> WorkerThreads.Wake {
            await withCheckedContinuation { (done: CheckedContinuation<WorkerThreads.Wake, Never>) in
                #expect(workers.submit { wake in done.resume(returning: wake) })
            }
        }
        func readable(_ wake: WorkerThreads.Wake) -> Bool {
            var entry = pollfd(fd: wake.descriptor, events: Int16(POLLIN), revents: 0)
            return poll(&entry, 1, 0) > 0
        }
        let first = await nextWake()
        #expect(first.descriptor >= 0)
        #expect(!readable(first))
        first.signal()
        first.signal()
        #expect(readable(first))
        first.drain()
        #expect(!readable(first), "one drain empties any number of signals")
        for _ in 0..<100 where workers.idleThreadCount == 0 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(await nextWake().descriptor == first.descriptor, "the thread's next job gets the same descriptor")
    }

    /// A thread parked longer than `wakeKeep` closes its wake descriptor (two
    /// descriptors fewer, as a leak check counts them) and makes a new one for
    /// its next job.
    @Test func aParkedThreadGivesItsWakeDescriptorBack() async throws {
        let workers = WorkerThreads(name: "test", idleTimeout: .seconds(30), wakeKeep: .milliseconds(50))
        defer { workers.stop() }
        func run() async -> WorkerThreads.Wake {
            await withCheckedContinuation { (done: CheckedContinuation<WorkerThreads.Wake, Never>) in
                #expect(workers.submit { wake in done.resume(returning: wake) })
            }
        }
        #expect(await run().descriptor >= 0)
        let limit = ContinuousClock.now.advanced(by: .seconds(20))
        while workers.wakeDescriptorsHeld > 0, ContinuousClock.now < limit { try await Task.sleep(for: .milliseconds(10)) }
        #expect(workers.wakeDescriptorsHeld == 0)
        #expect(workers.threadCount == 1, "the thread itself stays parked")
        // The descriptor belongs to the job only while it runs (once parked
        // again, the thread may close it after `wakeKeep`), so the check runs
        // inside the job.
        let works = await withCheckedContinuation { (done: CheckedContinuation<Bool, Never>) in
            #expect(workers.submit { wake in
                guard wake.descriptor >= 0 else { return done.resume(returning: false) }
                wake.signal()
                var entry = pollfd(fd: wake.descriptor, events: Int16(POLLIN), revents: 0)
                let signalled = poll(&entry, 1, 0) == 1 && entry.revents & Int16(POLLIN) != 0
                wake.drain()
                done.resume(returning: signalled)
            })
        }
        #expect(works, "the new descriptor works")
    }

    // MARK: As an executor for tasks

    /// The thread that runs a job, by its pthread id.
    static func thread() -> UInt { UInt(pthread_self()) }

    @Test func tasksPreferringAPoolRunOnItsThreads() async {
        let pool = WorkerThreads(name: "test-tasks")
        defer { pool.stop() }
        #expect(WorkerThreads.current == nil, "the test's own thread is Swift's")
        let onPool = await withTaskExecutorPreference(pool) { () async -> Bool in
            // Child tasks and tasks started with `current` stay on the pool.
            async let child = WorkerThreads.current === pool
            let unstructured = await Task(executorPreference: WorkerThreads.current) { WorkerThreads.current === pool }.value
            let here = WorkerThreads.current === pool
            let inChild = await child
            return here && inChild && unstructured
        }
        #expect(onPool)
        #expect(pool.threadCount >= 1)
    }

    @Test func blockHereRunsOnlyOnAPoolsThreadAndNeverNested() async {
        let pool = WorkerThreads(name: "test-tasks")
        defer { pool.stop() }
        #expect(WorkerThreads.blockHere { _ in 1 } == nil, "not on a pool's thread: the caller must hand the work over")
        let (outer, inner) = await withTaskExecutorPreference(pool) { () async -> (Int?, Int??) in
            var inner: Int??
            let outer = WorkerThreads.blockHere { wake -> Int in
                inner = .some(WorkerThreads.blockHere { _ in 2 })
                return wake.descriptor >= 0 ? 1 : 0
            }
            return (outer, inner)
        }
        #expect(outer == 1, "ran here, given the thread's wake descriptor")
        #expect(inner == .some(nil), "a blocked thread does not block again")
    }

    /// A task made ready for this thread just before it blocks (an `async let`
    /// child) is handed to another thread, not left waiting behind the block:
    /// the block waits for what that task does.
    @Test func aTaskReadiedBeforeBlockingRunsElsewhere() async {
        let pool = WorkerThreads(name: "test-tasks")
        defer { pool.stop() }
        let ran = await withTaskExecutorPreference(pool) { () async -> Bool in
            let flag = Flag()
            async let child: Void = flag.raise()
            let seen = WorkerThreads.blockHere { _ -> Bool in
                // Bounded: 10 s, where the other thread takes microseconds.
                for _ in 0..<10_000 where !flag.isRaised { usleep(1000) }
                return flag.isRaised
            }
            await child
            return seen == true
        }
        #expect(ran, "the child task ran while this thread was blocked")
    }

    /// The task a job readies runs next on the same thread, still warm: an
    /// unstructured task started on the pool, and the caller resumed by it.
    @Test func aReadiedTaskRunsNextOnTheSameThread() async {
        let pool = WorkerThreads(name: "test-tasks")
        defer { pool.stop() }
        let (before, inTask, after) = await withTaskExecutorPreference(pool) { () async -> ([UInt], [UInt], [UInt]) in
            var before: [UInt] = [], inTask: [UInt] = [], after: [UInt] = []
            for _ in 0..<20 {
                before.append(Self.thread())
                inTask.append(await Task(executorPreference: WorkerThreads.current) { Self.thread() }.value)
                after.append(Self.thread())
            }
            return (before, inTask, after)
        }
        #expect(before == inTask && inTask == after, "one thread ran every task and every resumption")
        #expect(WorkerThreads(name: "test", maxThreads: 1).maxBlockedThreads == 0, "a pool of one thread never blocks it")
    }

    /// Two tasks of one thread that wait for their sockets share it: the
    /// children readied before the parent's wait run there, one waits too, and
    /// both run again there when their sockets are readable (one poll, one
    /// wake-up, where each used to block a thread of its own).
    @Test func tasksWaitingForSocketsShareTheirThread() async throws {
        let pool = WorkerThreads(name: "test-tasks")
        defer { pool.stop() }
        let first = try #require(SocketPair()), second = try #require(SocketPair())
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        let writer = Task.detached {
            try? await Task.sleep(for: .milliseconds(100))
            first.write()
            second.write()
        }
        let (threads, results) = await withTaskExecutorPreference(pool) { () async -> ([UInt], [WorkerThreads.Readiness]) in
            async let child = Self.waitOnThread(for: second.reader, until: deadline)
            // A second child (a collection's alias, say) takes the next slot
            // from the first, which stays on this thread all the same.
            async let quick = Self.thread()
            let before = Self.thread()
            let mine = await WorkerThreads.awaitReadable(first.reader, until: deadline)
            let after = Self.thread()
            let other = await child
            return ([before, after, await quick] + other.threads, [mine, other.readiness])
        }
        await writer.value
        #expect(results == [.readable, .readable])
        #expect(Set(threads).count == 1, "both tasks waited and ran again on the one thread")
    }

    private static func waitOnThread(for descriptor: Int32, until deadline: ContinuousClock.Instant) async -> (threads: [UInt], readiness: WorkerThreads.Readiness) {
        let before = thread()
        let readiness = await WorkerThreads.awaitReadable(descriptor, until: deadline)
        return ([before, thread()], readiness)
    }

    /// A socket wait ends at its deadline, at once when its task is
    /// cancelled (a 60 s deadline otherwise), and is refused off a pool's thread.
    @Test func aSocketWaitEndsAtItsDeadlineOrWhenCancelled() async throws {
        let pool = WorkerThreads(name: "test-tasks")
        defer { pool.stop() }
        let pair = try #require(SocketPair())
        let timedOut = await withTaskExecutorPreference(pool) {
            await WorkerThreads.awaitReadable(pair.reader, until: ContinuousClock.now.advanced(by: .milliseconds(50)))
        }
        #expect(timedOut == .timedOut)
        let waiting = Task(executorPreference: pool) {
            await WorkerThreads.awaitReadable(pair.reader, until: ContinuousClock.now.advanced(by: .seconds(60)))
        }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        let clock = ContinuousClock()
        let start = clock.now
        #expect(await waiting.value == .cancelled)
        #expect(start.duration(to: clock.now) < .seconds(30), "ended by the cancellation, not the 60 s deadline")
        // The thread's next wait is not cancelled by the signal that ended this one.
        pair.write()
        let next = await withTaskExecutorPreference(pool) {
            await WorkerThreads.awaitReadable(pair.reader, until: ContinuousClock.now.advanced(by: .seconds(20)))
        }
        #expect(next == .readable)
        #expect(await WorkerThreads.awaitReadable(pair.reader, until: ContinuousClock.now.advanced(by: .seconds(1))) == .refused)
    }

    /// A connected pair of sockets: what one writes, the other reads.
    final class SocketPair: Sendable {
        let reader: Int32
        let writer: Int32

        init?() {
            var ends: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0 else { return nil }
            (reader, writer) = (ends[0], ends[1])
        }

        deinit {
            close(reader)
            close(writer)
        }

        func write() {
            var byte: UInt8 = 1
            _ = send(writer, &byte, 1, Int32(MSG_NOSIGNAL))
        }
    }

    /// At most `maxBlockedThreads` block at once; past that, nil.
    @Test func blockedThreadsAreCapped() async {
        let pool = WorkerThreads(name: "test-tasks", maxThreads: 8)
        defer { pool.stop() }
        #expect(pool.maxBlockedThreads == 7)
        let release = Flag()
        let blocked = Counter()
        let results = await withTaskExecutorPreference(pool) { () async -> [Bool] in
            await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<7 {
                    group.addTask {
                        WorkerThreads.blockHere { _ in
                            blocked.increment()
                            for _ in 0..<20_000 where !release.isRaised { usleep(1000) }
                        } != nil
                    }
                }
                // Once seven are blocked, the eighth thread may not block.
                // (Waiting by sleeping: this thread runs the tasks readied for it meanwhile.)
                for _ in 0..<10_000 where blocked.value < 7 { try? await Task.sleep(for: .milliseconds(1)) }
                let eighth = WorkerThreads.blockHere { _ in } != nil
                release.raise()
                var results = [eighth]
                for await result in group { results.append(result) }
                return results
            }
        }
        #expect(results.first == false, "the eighth was refused")
        #expect(results.dropFirst().allSatisfy { $0 } && results.count == 8)
    }

    /// A stopped pool refuses its threads to tasks: they run on Swift's executor instead of never.
    @Test func aStoppedPoolHandsTasksToSwiftsExecutor() async {
        let pool = WorkerThreads(name: "test-tasks")
        pool.stop()
        let ran = await Task(executorPreference: pool) { WorkerThreads.current == nil }.value
        #expect(ran)
    }

    /// A job goes to the thread parked last; the others age out.
    @Test func theThreadParkedLastTakesTheNextJob() async throws {
        let pool = WorkerThreads(name: "test", idleTimeout: .seconds(30))
        defer { pool.stop() }
        let hold = Flag()
        let first = try await twoThreads(pool, holdingTheFirstUntil: hold)
        hold.raise()
        // The first parks after the second: it takes each of the next jobs.
        for _ in 0..<1000 where pool.idleThreadCount < 2 { try await Task.sleep(for: .milliseconds(5)) }
        for _ in 0..<5 {
            let next = await withCheckedContinuation { (done: CheckedContinuation<UInt, Never>) in
                #expect(pool.submit { _ in done.resume(returning: Self.thread()) })
            }
            #expect(next == first)
            for _ in 0..<1000 where pool.idleThreadCount < 2 { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    /// A parked thread that gives back its wake descriptor keeps its place:
    /// it does not jump ahead of a thread parked after it. Before, with jobs
    /// a second apart, two threads took turns, each one cold.
    @Test func aThreadGivingBackItsWakeDescriptorKeepsItsPlace() async throws {
        let pool = WorkerThreads(name: "test", idleTimeout: .seconds(30), wakeKeep: .seconds(1))
        defer { pool.stop() }
        let hold = Flag()
        let first = try await twoThreads(pool, holdingTheFirstUntil: hold)
        // The first parks well after the second, so that the second gives its
        // descriptor back (a second after it parked) while the first, parked
        // last, still holds its own.
        try await Task.sleep(for: .milliseconds(600))
        hold.raise()
        for _ in 0..<1000 where pool.idleThreadCount < 2 { try await Task.sleep(for: .milliseconds(5)) }
        for _ in 0..<400 where pool.wakeDescriptorsHeld > 1 { try await Task.sleep(for: .milliseconds(5)) }
        try #require(pool.wakeDescriptorsHeld == 1, "the second gave its descriptor back, the first not yet")
        let next = await withCheckedContinuation { (done: CheckedContinuation<UInt, Never>) in
            #expect(pool.submit { _ in done.resume(returning: Self.thread()) })
        }
        #expect(next == first)
    }

    /// Starts two threads of `pool`: a job holds the first (until `hold` is
    /// raised) while the second starts, runs a job and parks. Returns the first.
    func twoThreads(_ pool: WorkerThreads, holdingTheFirstUntil hold: Flag) async throws -> UInt {
        let first = await withCheckedContinuation { (started: CheckedContinuation<UInt, Never>) in
            #expect(pool.submit { _ in
                started.resume(returning: Self.thread())
                for _ in 0..<10_000 where !hold.isRaised { usleep(1000) }
            })
        }
        let second = await withCheckedContinuation { (done: CheckedContinuation<UInt, Never>) in
            #expect(pool.submit { _ in done.resume(returning: Self.thread()) })
        }
        #expect(first != second)
        for _ in 0..<1000 where pool.idleThreadCount < 1 { try await Task.sleep(for: .milliseconds(5)) }
        return first
    }

    final class Flag: Sendable {
        private let raised = Atomic<Bool>(false)
        var isRaised: Bool { raised.load(ordering: .acquiring) }
        func raise() { raised.store(true, ordering: .releasing) }
    }

    final class Counter: Sendable {
        private let count = Atomic<Int>(0)
        var value: Int { count.load(ordering: .acquiring) }
        func increment() { count.wrappingAdd(1, ordering: .acquiringAndReleasing) }
    }
}
