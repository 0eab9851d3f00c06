/// Reads one HTTP/1.1 answer from a connection: the status line, headers
/// (skipping any `1xx` interim answer), and the body framed by
/// `Transfer-Encoding: chunked`, `Content-Length` or the end of the stream.
/// Everything the peer controls is bounded.
package struct ResponseReader {
    /// The answer and whether the connection can carry another request.
    package struct Outcome {
        package var response: HTTPClientResponse
        package var reusable: Bool
    }

    /// Header bytes accepted per answer (all interim answers included).
    static let maxHeaderBytes = 64 * 1024
    /// Header fields accepted per answer.
    static let maxHeaderCount = 200
    /// Longest chunk-size line (extensions included).
    static let maxChunkLine = 4096
    /// Bytes of framing (interim answers, chunk lines, trailers, stray blank
    /// lines) accepted on top of the body's own limit: with it, the whole
    /// answer is bounded, whatever its shape (a flood of 1-byte chunks with
    /// long extensions, say).
    static let maxFramingBytes = 1 << 20

    private let connection: Connection
    private let deadline: ContinuousClock.Instant
    private let cancel: Cancellation
    private let maxBodyBytes: Int
    private var buffer: [UInt8] = []
    /// Start of what is not consumed yet in `buffer`.
    private var start = 0
    /// Where each read lands before it is appended to `buffer`: not zeroed
    /// first (16 KiB a request), since only what a read wrote is used.
    private var scratch = [UInt8](unsafeUninitializedCapacity: 16 * 1024) { _, count in count = 16 * 1024 }
    /// Bytes read from the connection for this answer.
    private var received = 0
    /// Whether any byte of the answer came in (a reused connection that the
    /// server had closed fails before that, and can be retried).
    private(set) var receivedAnything = false
    /// Whether the socket was seen readable just before: the first read
    /// then goes ahead without a wait (one `poll` fewer per answer).
    private var readable: Bool

    package init(connection: Connection, deadline: ContinuousClock.Instant, cancel: Cancellation, maxBodyBytes: Int, readable: Bool = false) {
        self.readable = readable
        self.connection = connection
        self.deadline = deadline
        self.cancel = cancel
        self.maxBodyBytes = maxBodyBytes
    }

    /// Reads the answer to a request with `method`.
    package mutating func read(method: String) throws(HTTPClientError) -> Outcome {
        var headerBytes = 0
        while true {
            let head = try readHead(budget: Self.maxHeaderBytes - headerBytes)
            headerBytes += head.size
            // 101 would switch protocols, which this client never asks for.
            if (100..<200).contains(head.status) && head.status != 101 { continue }
            return try readBody(after: head, method: method)
        }
    }

    // MARK: Head

    private struct Head {
        var status: Int
        var minorVersion: Int
        var headers: [(name: String, value: String)]
        var size: Int
    }

    private mutating func readHead(budget: Int) throws(HTTPClientError) -> Head {
        var lines: [ArraySlice<UInt8>] = []
        var size = 0
        while true {
            guard let line = try readLine(limit: budget - size, what: "response headers") else {
                throw .transport("the server closed the connection before answering")
            }
            size += line.count + 2
            // A bare CR inside a line is refused, as RFC 9112 allows.
            guard !line.contains(0x0D) else { throw .transport("a bare CR in the answer's header") }
            if line.isEmpty {
                if lines.isEmpty { continue } // a stray CRLF before the status line
                break
            }
            guard lines.count <= Self.maxHeaderCount else { throw .transport("more than \(Self.maxHeaderCount) header fields in the answer") }
            lines.append(line)
        }
        let (status, minor) = try Self.parseStatusLine(lines[0])
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(lines.count - 1)
        for line in lines.dropFirst() {
            // Obsolete line folding is refused, as RFC 9112 allows.
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  line.first != 0x20, line.first != 0x09 else {
                throw .transport("a malformed header line in the answer")
            }
            let name = line[..<colon]
            guard name.allSatisfy(Self.isTokenByte) else { throw .transport("a malformed header name in the answer") }
            var value = line[(colon + 1)...]
            while let first = value.first, first == 0x20 || first == 0x09 { value.removeFirst() }
            while let last = value.last, last == 0x20 || last == 0x09 { value.removeLast() }
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return Head(status: status, minorVersion: minor, headers: headers, size: size)
    }

    static func parseStatusLine(_ line: ArraySlice<UInt8>) throws(HTTPClientError) -> (status: Int, minorVersion: Int) {
        let bytes = Array(line)
        // "HTTP/1.x NNN[ reason]"
        guard bytes.count >= 12, bytes[0..<7].elementsEqual("HTTP/1.".utf8), (0x30...0x39).contains(bytes[7]),
              bytes[8] == 0x20, bytes[9...11].allSatisfy({ (0x30...0x39).contains($0) }),
              bytes.count == 12 || bytes[12] == 0x20 else {
            throw .transport("not an HTTP/1.x answer")
        }
        let status = Int(bytes[9] - 0x30) * 100 + Int(bytes[10] - 0x30) * 10 + Int(bytes[11] - 0x30)
        guard status >= 100 else { throw .transport("not an HTTP/1.x answer") }
        return (status, Int(bytes[7] - 0x30))
    }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"): return true
        default: return false
        }
    }

    // MARK: Body

    private mutating func readBody(after head: Head, method: String) throws(HTTPClientError) -> Outcome {
        var connectionTokens: [String] = []
        var transferCodings: [String] = []
        var lengths: [String] = []
        for (name, value) in head.headers {
            switch name.lowercased() {
            case "connection": connectionTokens += Self.tokens(value)
            case "transfer-encoding": transferCodings += Self.tokens(value)
            case "content-length": lengths.append(value)
            default: break
            }
        }
        var reusable = head.minorVersion >= 1 ? !connectionTokens.contains("close") : connectionTokens.contains("keep-alive")
        // Framing that RFC 9112 says not to trust for another request: both
        // Transfer-Encoding and Content-Length, Transfer-Encoding in HTTP/1.0,
        // or a protocol switch.
        if !transferCodings.isEmpty && (!lengths.isEmpty || head.minorVersion == 0) || head.status == 101 { reusable = false }
        var body: [UInt8] = []
        if method == "HEAD" || head.status == 204 || head.status == 304 || head.status == 101
            || method == "CONNECT" && (200..<300).contains(head.status) {
            // No body, whatever the headers say.
        } else if !transferCodings.isEmpty {
            guard transferCodings.last == "chunked", transferCodings.count == 1 else {
                throw .transport("an answer with a transfer coding this client does not speak: \(transferCodings.joined(separator: ", ").bounded(maxBytes: 60))")
            }
            body = try readChunked()
        } else if !lengths.isEmpty {
            let elements = lengths.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() } }
            let values = Set(elements)
            guard values.count == 1, let text = values.first, !text.isEmpty, text.utf8.count <= 18,
                  text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let length = Int(text) else {
                throw .transport("an answer with an invalid Content-Length")
            }
            guard length <= maxBodyBytes else { throw .tooLarge(limit: maxBodyBytes) }
            body = try readExactly(length)
        } else {
            body = try readToEnd()
            reusable = false
        }
        // Bytes past the answer mean the server does not frame its answers
        // the way this client reads them: do not reuse the connection.
        if start < buffer.count { reusable = false }
        return Outcome(response: HTTPClientResponse(status: head.status, headers: head.headers, body: body), reusable: reusable)
    }

    private static func tokens(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingWhitespace().lowercased() }.filter { !$0.isEmpty }
    }

    private mutating func readChunked() throws(HTTPClientError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            guard let line = try readLine(limit: Self.maxChunkLine, what: "a chunk size") else {
                throw .transport("the answer ended inside a chunked body")
            }
            // chunk-size = 1*HEXDIG, then nothing or a chunk extension.
            let digits = line.prefix { $0.hexDigitValue != nil }
            let rest = line[digits.endIndex...].drop(while: { $0 == 0x20 || $0 == 0x09 })
            guard !digits.isEmpty, digits.count <= 15, rest.isEmpty || rest.first == UInt8(ascii: ";"),
                  let size = Int(String(decoding: digits, as: UTF8.self), radix: 16) else {
                throw .transport("a malformed chunk size in the answer")
            }
            if size == 0 { break }
            guard body.count + size <= maxBodyBytes else { throw .tooLarge(limit: maxBodyBytes) }
            body += try readExactly(size)
            guard let end = try readLine(limit: 2, what: "a chunk's end"), end.isEmpty else {
                throw .transport("a malformed chunk in the answer")
            }
        }
        // Trailer fields, ignored but bounded.
        var trailerBytes = 0
        while true {
            guard let line = try readLine(limit: Self.maxHeaderBytes - trailerBytes, what: "trailer fields") else {
                throw .transport("the answer ended inside its trailer fields")
            }
            if line.isEmpty { return body }
            trailerBytes += line.count + 2
        }
    }

    // MARK: Bytes

    /// One line without its CRLF (a bare LF is accepted), or nil at the end of
    /// the stream before any byte of it. Longer than `limit`: an error.
    private mutating func readLine(limit: Int, what: String) throws(HTTPClientError) -> ArraySlice<UInt8>? {
        compact()
        var scanned = start
        while true {
            if let newline = buffer[scanned...].firstIndex(of: 0x0A) {
                var end = newline
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let line = buffer[start..<end]
                guard line.count <= max(limit, 0) else { throw .transport("\(what) longer than allowed") }
                start = newline + 1
                return line
            }
            guard buffer.count - start <= max(limit, 0) else { throw .transport("\(what) longer than allowed") }
            scanned = buffer.count
            if try fill() == 0 {
                if buffer.count == start { return nil }
                throw .transport("the answer ended in the middle of \(what)")
            }
        }
    }

    private mutating func readExactly(_ count: Int) throws(HTTPClientError) -> [UInt8] {
        compact()
        while buffer.count - start < count {
            if try fill() == 0 { throw .transport("the answer ended before its announced length") }
        }
        let bytes = Array(buffer[start..<(start + count)])
        start += count
        return bytes
    }

    private mutating func readToEnd() throws(HTTPClientError) -> [UInt8] {
        while try fill() > 0 {
            guard buffer.count - start <= maxBodyBytes else { throw .tooLarge(limit: maxBodyBytes) }
        }
        // Over TLS, only close_notify proves that such a body is whole (a
        // truncation attack cuts the TCP stream), as curl and Go decide.
        if connection.endedWithoutCloseNotify {
            throw .transport("the TLS connection ended without close_notify inside an answer framed by its end: it may be truncated")
        }
        let bytes = Array(buffer[start...])
        start = buffer.count
        return bytes
    }

    /// Drops consumed bytes when they are half the buffer or more.
    private mutating func compact() {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
    }

    /// Reads more from the connection; returns how many bytes came (0 at the
    /// end of the stream). The deadline and cancellation are checked before
    /// every read, not only when the socket would block, so a peer that keeps
    /// the socket full cannot hold the thread past either; and the whole
    /// answer is capped at the body limit plus ``maxFramingBytes``.
    private mutating func fill() throws(HTTPClientError) -> Int {
        guard ContinuousClock.now < deadline else { throw .timedOut("reading the answer") }
        try cancel.check()
        // Nothing received yet: the answer is a round trip away, so wait for
        // it before reading rather than read, fail, wait and read again
        // (unless the socket was just seen readable).
        let count = try connection.receive(into: &scratch, deadline: deadline, cancel: cancel, waitFirst: !receivedAnything && !readable)
        readable = false
        if count > 0 {
            receivedAnything = true
            received += count
            guard received <= maxBodyBytes + Self.maxFramingBytes else { throw .tooLarge(limit: maxBodyBytes) }
            buffer.append(contentsOf: scratch[0..<count])
        }
        return count
    }
}
