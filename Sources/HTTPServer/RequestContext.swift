import CMicroHTTPD
import Support
import Synchronization

/// MHD's connection pointer, passed to the task that resumes it. It stays valid
/// while the connection is suspended, which is the only time it is used.
struct ConnectionHandle: @unchecked Sendable {
    let raw: OpaquePointer
}

/// Per-request state shared between MHD's thread and the handler's task.
///
/// The lock makes "resume the connection" happen exactly once: either the
/// handler finishes first, or shutdown answers 503 first.
final class RequestContext: Sendable {
    enum State: Sendable {
        case receiving
        case pending(ConnectionHandle)
        case ready(HTTPResponse)
        case sent
    }

    let state = Locked<State>(.receiving)
    /// The connection's key in the ``ConnectionTable``.
    let connection: UInt

    init(connection: UInt) {
        self.connection = connection
    }

    /// Moves a pending request to ready and resumes its connection. Returns false
    /// when it was not pending (already answered, or never suspended).
    @discardableResult
    func complete(with response: HTTPResponse) -> Bool {
        state.withLock { state in
            guard case let .pending(connection) = state else { return false }
            state = .ready(response)
            MHD_resume_connection(connection.raw)
            return true
        }
    }

    var isPending: Bool {
        state.withLock { if case .pending = $0 { return true } else { return false } }
    }
}
