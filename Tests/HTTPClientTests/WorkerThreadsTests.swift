import Foundation
import Testing
@testable import HTTPClient

@Suite struct WorkerThreadsTests {
    @Test func idleThreadsEndAndBusyOnesAreReused() async throws {
        let workers = WorkerThreads(name: "test", idleTimeout: .milliseconds(200))
        for _ in 0..<3 {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                #expect(workers.submit { done.resume() })
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
        #expect(!workers.submit {}, "no job after stop")
        #expect(workers.waitForThreads(timeout: .seconds(1)))
    }
}
