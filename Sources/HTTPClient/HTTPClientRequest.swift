public import Support

/// One request: everything is given up front and the whole body is sent.
public struct HTTPClientRequest: Sendable {
    public var method: String
    /// An absolute `http://` or `https://` URL.
    public var url: String {
        didSet { parsedURL = nil }
    }
    /// ``url`` already taken apart, when the request was made from parts (an
    /// AWS endpoint's, parsed once): the client then does not parse it again.
    private(set) var parsedURL: URLParts?
    /// Sent as given; a `Host` header here replaces the one derived from the URL.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// For the whole exchange: connecting, sending and receiving.
    public var timeout: Duration
    /// A larger answer fails with ``HTTPClientError/tooLarge(limit:)``.
    public var maxResponseBytes: Int

    public init(
        method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeout: Duration = .seconds(30), maxResponseBytes: Int = 1 << 20
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// A request to a URL taken apart already.
    public init(
        method: String = "GET", url: URLParts, headers: [(name: String, value: String)] = [], body: [UInt8] = [],
        timeout: Duration = .seconds(30), maxResponseBytes: Int = 1 << 20
    ) {
        self.init(method: method, url: url.scheme + "://" + url.hostHeader + url.target, headers: headers, body: body,
                  timeout: timeout, maxResponseBytes: maxResponseBytes)
        parsedURL = url
    }
}
