/// Why a request got no answer.
public enum HTTPClientError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The request's timeout (or the connect timeout) passed.
    case timedOut(String)
    /// The caller's task was cancelled.
    case cancelled
    /// The answer was larger than the request allowed.
    case tooLarge(limit: Int)
    /// Connection refused or reset, DNS, TLS, a malformed answer and the like.
    case transport(String)
    /// The client was shut down.
    case shutDown

    public var description: String {
        switch self {
        case let .timedOut(detail): return "timed out: \(detail)"
        case .cancelled: return "cancelled"
        case let .tooLarge(limit): return "response body larger than \(limit) bytes"
        case let .transport(detail): return detail
        case .shutDown: return "the HTTP client was shut down"
        }
    }
}
