/// A request as the server hands it to an ``HTTPHandler``; the body is not kept.
public struct HTTPRequest: Sendable {
    public let method: String
    /// The path without the query string, percent-decoded (a `%00` stays as is).
    public let path: String
    /// Header values by lower-cased name; repeated headers are joined with ", ".
    public let headers: [String: String]
    /// The client's IP address as text, empty when unknown.
    public let clientAddress: String
    /// The query string's arguments, in order, percent-decoded.
    public let query: [(name: String, value: String)]

    public init(method: String, path: String, headers: [String: String], clientAddress: String = "", query: [(name: String, value: String)] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.clientAddress = clientAddress
    }

    /// Every value of query argument `name`.
    public func arguments(_ name: String) -> [String] {
        query.filter { $0.name == name }.map(\.value)
    }

    /// A header's value, looked up case-insensitively.
    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }
}
