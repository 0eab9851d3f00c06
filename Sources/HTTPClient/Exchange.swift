import Support
import Synchronization

/// One request between the caller's task and the worker thread doing its
/// I/O. The caller is resumed exactly once: by the worker's result, or at
/// once by cancellation or shutdown, whichever comes first. An interruption
/// also raises ``cancellation``'s flag and, while a worker runs the request,
/// signals that worker's descriptor, so its waits stop soon after.
final class Exchange: Sendable {
    typealias Outcome = Result<HTTPClientResponse, HTTPClientError>

    private enum Stage {
        case pending
        case waiting(CheckedContinuation<Outcome, Never>)
        case finished(Outcome)
        case done
    }

    private struct State {
        var stage = Stage.pending
        /// The wake descriptor of the worker running the request.
        var worker: WorkerThreads.Wake?
        /// Whether that descriptor was signalled (then it is drained when the worker lets go).
        var signalled = false
        /// The wait for the answer's first bytes, while the caller's thread runs other tasks.
        var socketWaiter: WorkerThreads.SocketWaiter?
    }

    private let state = Locked(State())
    private let flag = Cancellation.Flag()

    /// Hands over the caller's continuation; resumes it now if the outcome
    /// is already known.
    func wait(_ continuation: CheckedContinuation<Outcome, Never>) {
        let ready: Outcome? = state.withLock { state in
            switch state.stage {
            case .pending:
                state.stage = .waiting(continuation)
                return nil
            case let .finished(outcome):
                state.stage = .done
                return outcome
            case .waiting, .done:
                return nil
            }
        }
        if let ready { continuation.resume(returning: ready) }
    }

    /// Whether the outcome is settled (by the worker, cancellation or shutdown).
    var isFinished: Bool {
        state.withLock { state in
            switch state.stage {
            case .pending, .waiting: return false
            case .finished, .done: return true
            }
        }
    }

    /// The worker thread whose `wake` descriptor its waits poll takes the
    /// request: its cancellation, or nil when the request was already given up.
    func attach(_ wake: WorkerThreads.Wake) -> Cancellation? {
        state.withLock { state -> Cancellation? in
            switch state.stage {
            case .finished, .done: return nil
            case .pending, .waiting:
                state.worker = wake
                return Cancellation(descriptor: wake.descriptor, flag: flag)
            }
        }
    }

    /// The worker is done with the request: an interruption no longer
    /// signals its descriptor, and a signal already sent is drained, so the
    /// next request on that thread does not see it.
    func detach() {
        let signalled = state.withLock { state -> WorkerThreads.Wake? in
            defer { (state.worker, state.signalled) = (nil, false) }
            return state.signalled ? state.worker : nil
        }
        signalled?.drain()
    }

    /// The caller waits for the answer with `waiter`: an interruption ends
    /// that wait. False when the request was already given up.
    func attach(_ waiter: WorkerThreads.SocketWaiter) -> Bool {
        state.withLock { state -> Bool in
            switch state.stage {
            case .finished, .done: return false
            case .pending, .waiting:
                state.socketWaiter = waiter
                return true
            }
        }
    }

    func detachWaiter() {
        state.withLock { $0.socketWaiter = nil }
    }

    /// Settles the outcome; only the first call counts.
    func finish(_ outcome: Outcome) {
        let waiting: CheckedContinuation<Outcome, Never>? = state.withLock { state in
            switch state.stage {
            case .pending:
                state.stage = .finished(outcome)
                return nil
            case let .waiting(continuation):
                state.stage = .done
                return continuation
            case .finished, .done:
                return nil
            }
        }
        waiting?.resume(returning: outcome)
    }

    /// For a caller that ran the request itself: settles it with `outcome`
    /// unless an interruption settled it first, and returns what it was
    /// settled with.
    func settle(_ outcome: Outcome) -> Outcome {
        state.withLock { state in
            switch state.stage {
            case let .finished(first):
                state.stage = .done
                return first
            case .pending, .waiting, .done:
                state.stage = .done
                return outcome
            }
        }
    }

    /// The outcome (the answer's bytes, written on the worker thread) reaches
    /// the caller through its continuation; taking the lock the worker settled
    /// it under once more orders those writes before the caller's reads for
    /// tools that cannot see the concurrency runtime's handoff (ThreadSanitizer).
    func synchronize() {
        state.withLock { _ in }
    }

    /// Fails the exchange with `error` and wakes the worker's waits. The
    /// signal is sent under the lock that ``detach()`` takes, so it never
    /// reaches a later request of the same thread.
    func interrupt(with error: HTTPClientError) {
        finish(.failure(error))
        flag.raise()
        state.withLock { state in
            state.socketWaiter?.cancel()
            guard let worker = state.worker, !state.signalled else { return }
            state.signalled = true
            worker.signal()
        }
    }
}
