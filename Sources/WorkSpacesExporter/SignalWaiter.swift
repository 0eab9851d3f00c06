import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Waits for SIGTERM or SIGINT through Dispatch, so shutdown runs as ordinary
/// async code rather than inside a signal handler.
///
/// `@unchecked Sendable`: `sources` is written once, inside `wait`, only to keep
/// the sources alive; nothing reads it.
final class SignalWaiter: @unchecked Sendable {
    private var sources: [any DispatchSourceSignal] = []

    /// Returns the first of `signals` delivered.
    func wait(for signals: [Int32] = [SIGTERM, SIGINT]) async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let resumed = Mutex(false)
            let created: [any DispatchSourceSignal] = signals.map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    let first = resumed.withLock { done in
                        defer { done = true }
                        return !done
                    }
                    if first { continuation.resume(returning: number) }
                }
                source.resume()
                return source
            }
            sources = created
        }
    }
}
