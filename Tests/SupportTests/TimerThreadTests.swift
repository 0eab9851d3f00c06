import Synchronization
import Testing
@testable import Support

@Suite struct TimerThreadTests {
    /// What ran, in order, and whether each ran no earlier than its deadline.
    final class Log: Sendable {
        let entries = Mutex<[(name: String, onTime: Bool)]>([])
        func record(_ name: String, deadline: ContinuousClock.Instant) {
            let onTime = ContinuousClock.now >= deadline
            entries.withLock { $0.append((name, onTime)) }
        }
        var names: [String] { entries.withLock { $0.map(\.name) } }
        var allOnTime: Bool { entries.withLock { $0.allSatisfy(\.onTime) } }
    }

    func waitFor(_ condition: () -> Bool) async throws {
        let limit = ContinuousClock.now.advanced(by: .seconds(20))
        while !condition(), ContinuousClock.now < limit { try await Task.sleep(for: .milliseconds(5)) }
    }

    @Test func actionsRunInDeadlineOrderNeverEarlyAndCancelledOnesNever() async throws {
        let timers = TimerThread(name: "test-timers")
        let log = Log()
        let start = ContinuousClock.now
        var tokens: [String: TimerThread.Token] = [:]
        for (name, milliseconds) in [("c", 150), ("a", 30), ("x", 60), ("b", 90), ("y", 120)] {
            let deadline = start.advanced(by: .milliseconds(milliseconds))
            let token = timers.schedule(at: deadline) { log.record(name, deadline: deadline) }
            let required: TimerThread.Token = try #require(token)
            tokens[name] = required
        }
        for name in ["x", "y"] { timers.cancel(try #require(tokens[name])) }
        try await waitFor { log.names.count == 3 }
        #expect(log.names == ["a", "b", "c"])
        #expect(log.allOnTime, "no action before its deadline")
        // The cancelled entries were dropped on the way: nothing is left.
        try await waitFor { timers.pendingEntries == 0 }
        #expect(timers.pendingEntries == 0)
    }

    @Test func anEarlierDeadlineWakesTheThreadSleepingUntilALaterOne() async throws {
        let timers = TimerThread(name: "test-timers")
        let log = Log()
        let late = ContinuousClock.now.advanced(by: .seconds(60))
        let scheduled = timers.schedule(at: late) { log.record("late", deadline: late) }
        let token = try #require(scheduled)
        // Let the thread go to sleep until the late one.
        try await Task.sleep(for: .milliseconds(50))
        let soon = ContinuousClock.now.advanced(by: .milliseconds(20))
        _ = timers.schedule(at: soon) { log.record("soon", deadline: soon) }
        try await waitFor { !log.names.isEmpty }
        #expect(log.names == ["soon"], "ran long before the 60 s one")
        timers.cancel(token)
    }

    @Test func aDeadlineRaceEndsAHungOperationAtItsDeadline() async {
        let never = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(100))
        let result = await DeadlineRace.run(until: deadline) { () async -> Int in
            await withCheckedContinuation { continuation in never.withLock { $0 = continuation } }
            return 1
        }
        #expect(result == nil)
        #expect(ContinuousClock.now >= deadline)
        // Let the hung operation end, so that the test leaves nothing behind.
        for _ in 0..<1_000 {
            if let continuation = never.withLock({ $0.take() }) { continuation.resume(); break }
            await Task.yield()
        }
    }
}
