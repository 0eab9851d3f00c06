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
        var text = request.method + " "
        text += proxy == nil ? url.target : "http://\(url.hostHeader)\(url.target)"
        text += " HTTP/1.1\r\n"
        var hasHost = false, hasUserAgent = false
        for (name, value) in request.headers {
            guard !name.isEmpty, name.utf8.allSatisfy(ResponseReader.isTokenByte) else {
                throw .transport("invalid header name \(name.bounded(maxBytes: 60).debugDescription)")
            }
            guard !value.containsLineBreakOrNul else {
                throw .transport("invalid value for header \(name)")
            }
            switch name.lowercased() {
            case "host": hasHost = true
            case "user-agent": hasUserAgent = true
            // Framing is this client's business.
            case "content-length", "transfer-encoding", "connection": continue
            default: break
            }
            text += "\(name): \(value)\r\n"
        }
        if !hasHost { text += "Host: \(url.hostHeader)\r\n" }
        if !hasUserAgent { text += "User-Agent: \(userAgent)\r\n" }
        if let authorization = proxy?.authorization { text += "Proxy-Authorization: \(authorization)\r\n" }
        if !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method) {
            text += "Content-Length: \(request.body.count)\r\n"
        }
        text += "\r\n"
        bytes = Array(text.utf8)
    }
}
