import Support

/// The request line and header fields of one request, checked and encoded
/// once: a method, header name or value that could split the request (CR,
/// LF, NUL, a non-token name) is refused instead of sent.
struct RequestHead: Sendable {
    let bytes: [UInt8]

    /// `proxy`: for plain HTTP through a proxy, which gets the absolute URL
    /// and its credentials.
    init(_ request: HTTPClientRequest, url: URLParts, proxy: ProxySettings.Proxy?, userAgent: String) throws(HTTPClientError) {
        guard !request.method.isEmpty, request.method.utf8.allSatisfy(ResponseReader.isTokenByte) else {
            throw .transport("invalid request method")
        }
        // Bytes appended directly: this runs for every request.
        var text: [UInt8] = []
        text.reserveCapacity(256 + request.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 })
        func add(_ part: String) { text.append(contentsOf: part.utf8) }
        add(request.method)
        text.append(0x20)
        if proxy == nil { add(url.target) } else { add("http://"); add(url.hostHeader); add(url.target) }
        add(" HTTP/1.1\r\n")
        var hasHost = false, hasUserAgent = false
        for (name, value) in request.headers {
            guard !name.isEmpty, name.utf8.allSatisfy(ResponseReader.isTokenByte) else {
                throw .transport("invalid header name \(name.bounded(maxBytes: 60).debugDescription)")
            }
            guard !value.containsLineBreakOrNul else {
                throw .transport("invalid value for header \(name)")
            }
            // Only names of the lengths below need the lower-cased comparison.
            if [4, 10, 14, 17].contains(name.utf8.count) {
                switch name.lowercased() {
                case "host": hasHost = true
                case "user-agent": hasUserAgent = true
                // Framing is this client's business.
                case "content-length", "transfer-encoding", "connection": continue
                default: break
                }
            }
            add(name); add(": "); add(value); add("\r\n")
        }
        if !hasHost { add("Host: "); add(url.hostHeader); add("\r\n") }
        if !hasUserAgent { add("User-Agent: "); add(userAgent); add("\r\n") }
        if let authorization = proxy?.authorization { add("Proxy-Authorization: "); add(authorization); add("\r\n") }
        if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            add("Content-Length: "); add(String(request.body.count)); add("\r\n")
        }
        add("\r\n")
        bytes = text
    }
}
