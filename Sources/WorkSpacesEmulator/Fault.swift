/// A failure the emulator can inject, for the exporter's fault tests.
public enum Fault: String, Sendable, CaseIterable {
    /// 400 with `ThrottlingException` in JSON, as AWS throttles.
    case throttle
    /// 500 with `InternalServerException`.
    case serverError = "server-error"
    /// 503 with a plain-text body that names no AWS error.
    case unavailable
    /// 403 `AccessDeniedException`, as when the IAM policy lacks the action.
    case accessDenied = "access-denied"
    /// The connection is reset instead of answered.
    case reset
    /// 200 with a body that is not JSON.
    case malformed
    /// 200 whose body stops half-way; the connection is then closed.
    case truncated
    /// 403 with an XML error body, as moto and the query protocol answer.
    case xmlError = "xml-error"
    /// 200 pages that always return the same `NextToken`.
    case repeatToken = "repeat-token"
    /// 200 pages without items, each with a new `NextToken`: pagination that never ends.
    case endlessToken = "endless-token"
    /// A 200 body of 20 MiB, past the exporter's 16 MiB limit.
    case oversized
    /// Headers are sent, then nothing more: a body that never ends.
    case stall
    /// A new, random-looking error code on every answer, for the bound on label values.
    case randomCode = "random-code"
    /// An error whose message holds CR LF and a forged log line.
    case crlfMessage = "crlf-message"
    /// The first session `AssumeRole` handed out is refused from its first use
    /// on (`ExpiredTokenException`), as AWS refuses a session revoked or
    /// expired early; later sessions work. Not an answer of an operation.
    case expiredToken = "expired-token"
}
