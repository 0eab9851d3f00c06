import Support
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One request between the caller's task and the worker thread doing its
/// I/O. The caller is resumed exactly once: by the worker's result, or at
/// once by cancellation or shutdown, whichever comes first. The worker's
/// waits also watch `cancelDescriptor`, so it stops soon after.
final class Exchange: Sendable {
    typealias Outcome = Result<HTTPClientResponse, HTTPClientError>

    private enum Stage {
        case pending
        case waiting(CheckedContinuation<Outcome, Never>)
        case finished(Outcome)
        case done
    }

    private let stage = Locked<Stage>(.pending)
    /// Readable once the exchange is interrupted.
    let cancelDescriptor: Int32
    private let signalDescriptor: Int32

    init() throws(HTTPClientError) {
        var descriptors: [Int32] = [-1, -1]
        // A socket pair, not a pipe: created close-on-exec in one call, so a
        // credential helper spawned meanwhile never inherits it.
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &descriptors) == 0 else {
            throw .transport("cannot create a socket pair: \(String(cString: strerror(errno)))")
        }
        cancelDescriptor = descriptors[0]
        signalDescriptor = descriptors[1]
    }

    deinit {
        close(cancelDescriptor)
        close(signalDescriptor)
    }

    /// Hands over the caller's continuation; resumes it now if the outcome
    /// is already known.
    func wait(_ continuation: CheckedContinuation<Outcome, Never>) {
        let ready: Outcome? = stage.withLock { stage in
            switch stage {
            case .pending:
                stage = .waiting(continuation)
                return nil
            case let .finished(outcome):
                stage = .done
                return outcome
            case .waiting, .done:
                return nil
            }
        }
        if let ready { continuation.resume(returning: ready) }
    }

    /// Whether the outcome is settled (by the worker, cancellation or shutdown).
    var isFinished: Bool {
        stage.withLock { stage in
            switch stage {
            case .pending, .waiting: return false
            case .finished, .done: return true
            }
        }
    }

    /// Settles the outcome; only the first call counts.
    func finish(_ outcome: Outcome) {
        let waiting: CheckedContinuation<Outcome, Never>? = stage.withLock { stage in
            switch stage {
            case .pending:
                stage = .finished(outcome)
                return nil
            case let .waiting(continuation):
                stage = .done
                return continuation
            case .finished, .done:
                return nil
            }
        }
        waiting?.resume(returning: outcome)
    }

    /// The outcome (the answer's bytes, written on the worker thread) reaches
    /// the caller through its continuation; taking the lock the worker settled
    /// it under once more orders those writes before the caller's reads for
    /// tools that cannot see the concurrency runtime's handoff (ThreadSanitizer).
    func synchronize() {
        stage.withLock { _ in }
    }

    /// Fails the exchange with `error` and wakes the worker's waits.
    func interrupt(with error: HTTPClientError) {
        finish(.failure(error))
        var byte: UInt8 = 1
        _ = send(signalDescriptor, &byte, 1, Int32(MSG_NOSIGNAL))
    }
}
