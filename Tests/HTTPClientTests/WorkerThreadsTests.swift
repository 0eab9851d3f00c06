import Foundation
import Testing
@testable import HTTPClient

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
}
