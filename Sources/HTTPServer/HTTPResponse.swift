/// A complete response. The server adds `Content-Length` and, when the client
/// accepts it and `compressible` is set, gzip content coding with `Vary`.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Whether the server may gzip the body when the client accepts gzip.
    public var compressible: Bool

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = [], compressible: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.compressible = compressible
    }

    /// A plain-text response, for errors and short messages.
    public static func text(_ status: Int, _ message: String, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: [("Content-Type", "text/plain; charset=utf-8")] + headers,
            body: Array((message + "\n").utf8))
    }
}
