import Dispatch
import Synchronization

/// Runs an operation against a deadline and returns as soon as either ends:
/// the operation's value, or nil when the deadline came first or the caller
/// was cancelled. Unlike a task group, it does not wait for the cancelled
/// operation to wind down, so a scrape is answered on time even if an HTTP
/// request is slow to notice its cancellation.
public enum DeadlineRace {
    private struct State<Value: Sendable> {
        var continuation: CheckedContinuation<Value?, Never>?
        /// Set when the race ended before anyone waited.
        var early: Value??
        var ended = false
    }

    public static func run<Value: Sendable>(
        until deadline: ContinuousClock.Instant,
        _ operation: @escaping @Sendable () async -> Value
    ) async -> Value? {
        let state = Locked(State<Value>())
        let finish: @Sendable (Value?) -> Void = { value in
            let waiting = state.withLock { state -> CheckedContinuation<Value?, Never>? in
                guard !state.ended else { return nil }
                state.ended = true
                guard let continuation = state.continuation else {
                    state.early = .some(value)
                    return nil
                }
                state.continuation = nil
                return continuation
            }
            waiting?.resume(returning: value)
        }
        // On the caller's pool when it runs on one, else the global executor.
        let work = Task(executorPreference: WorkerThreads.current) { finish(await operation()) }
        // On the process's timer thread: arming and cancelling cost a lock.
        // (Not Task.sleep: a cancelled sleep leaves its timer queued until the
        // deadline, which under many scrapes a second holds megabytes for the
        // length of the budget.) Without that thread, a dispatch timer.
        let token = TimerThread.shared.schedule(at: deadline) { finish(nil) }
        let timer = token == nil ? dispatchTimer(until: deadline) { finish(nil) } : nil
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
                let early = state.withLock { state -> Value?? in
                    if let early = state.early { return .some(early) }
                    state.continuation = continuation
                    return nil
                }
                if let early { continuation.resume(returning: early) }
            }
        } onCancel: {
            finish(nil)
        }
        work.cancel()
        if let token { TimerThread.shared.cancel(token) }
        timer?.cancel()
        return result
    }

    private static func dispatchTimer(until deadline: ContinuousClock.Instant, _ fire: @escaping @Sendable () -> Void) -> any DispatchSourceTimer {
        let remaining = max(ContinuousClock().now.duration(to: deadline), .zero)
        let (seconds, attoseconds) = remaining.components
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.schedule(deadline: .now() + .nanoseconds(Int(min(seconds, 86_400 * 365)) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)))
        timer.setEventHandler(handler: fire)
        timer.resume()
        return timer
    }
}
