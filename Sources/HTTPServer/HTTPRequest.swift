/// A request as the server hands it to an ``HTTPHandler``; the body is not kept.
public struct HTTPRequest: Sendable {
    public let method: String
    /// The path without the query string.
    public let path: String
    /// Header values by lower-cased name; repeated headers are joined with ", ".
    public let headers: [String: String]

    public init(method: String, path: String, headers: [String: String]) {
        self.method = method
        self.path = path
        self.headers = headers
    }

    /// A header's value, looked up case-insensitively.
    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }
}
