/// Everything that can go wrong calling AWS, each case saying what failed.
public enum AWSClientError: Error, Sendable, CustomStringConvertible {
    /// AWS answered with an error: its code (`ThrottlingException`, or the HTTP
    /// status when the body names none), message and HTTP status.
    case service(code: String, message: String, status: Int)
    /// The request did not complete: connection refused, reset, timed out, TLS.
    /// `timedOut` marks a connect, read or deadline timeout (retried as `timeout`).
    case transport(String, timedOut: Bool = false)
    /// A 2xx answer whose body could not be decoded.
    case invalidResponse(String)
    /// No usable credentials. `refused`: AWS refused to give them (STS said
    /// AccessDenied to a role), which asking again soon will not change.
    case credentials(source: String, reason: String, refused: Bool = false)
    /// Pagination went wrong (a repeated NextToken, too many pages).
    case pagination(String)
    /// The endpoint URL is not usable.
    case invalidEndpoint(String)
    /// A configuration file is not usable: the file, the line and the problem.
    case configuration(String)
    /// The scrape's time budget ran out: what was running and the budget.
    case deadlineExceeded(String)
    /// The exporter itself ended a request: its deadline passed while the
    /// request was under way, or the collection was cancelled. Not a network fault.
    case cancelled(String)

    /// The AWS error code, or a short name for the failure kind, for logs.
    public var code: String {
        switch self {
        case let .service(code, _, _): return code
        case .transport: return "TransportError"
        case .invalidResponse: return "InvalidResponse"
        case .credentials: return "CredentialsError"
        case .pagination: return "PaginationError"
        case .invalidEndpoint: return "InvalidEndpoint"
        case .configuration: return "ConfigurationError"
        case .deadlineExceeded: return "DeadlineExceeded"
        case .cancelled: return "Cancelled"
        }
    }

    public var message: String {
        switch self {
        case let .service(_, message, status): return "\(message) (HTTP \(status))"
        case let .transport(reason, _): return "request failed: \(reason); check network access to the endpoint"
        case let .invalidResponse(reason): return "unreadable response: \(reason)"
        case let .credentials(source, reason, _): return "no credentials from \(source): \(reason)"
        case let .pagination(reason): return reason
        case let .invalidEndpoint(reason): return reason
        case let .configuration(reason): return reason
        case let .deadlineExceeded(reason): return reason
        case let .cancelled(reason): return reason
        }
    }

    public var description: String { "\(code): \(message)" }

    /// AWS refused the caller (HTTP 401 or 403, an `AccessDenied…` code, an
    /// account not in an organisation, or STS refusing the role): asking again soon will not help until
    /// a policy or the configuration changes.
    public var isRefusal: Bool {
        switch self {
        case let .service(code, _, status):
            return status == 401 || status == 403 || code.hasPrefix("AccessDenied") || code == "AWSOrganizationsNotInUseException"
        case let .credentials(_, _, refused):
            return refused
        default:
            return false
        }
    }
}
