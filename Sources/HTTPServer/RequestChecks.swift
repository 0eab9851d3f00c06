import CMicroHTTPD
import Support

/// What a request must satisfy before it is served, checked as soon as its
/// headers are in: a size within `--web.max-header-bytes`, none of the
/// framing ambiguities that request smuggling relies on, and no body.
enum RequestChecks {
    /// The answer refusing the request, or nil when it may be served.
    static func refusal(connection: OpaquePointer, method: String, target: String, version: String, maxHeaderBytes: Int, maxBodyBytes: Int) -> HTTPResponse? {
        let collected = collect(connection)
        let size = cmhd_request_header_size(connection)
        if size > maxHeaderBytes {
            // The request line alone over the limit is a long URL; otherwise the headers are.
            let lineTooLong = size - collected.headerBytes - 2 > maxHeaderBytes
            return lineTooLong
                ? close(414, "request URI too long (--web.max-header-bytes is \(maxHeaderBytes))")
                : close(431, "request headers too large (--web.max-header-bytes is \(maxHeaderBytes))")
        }
        // A bare CR or another control byte inside the request line (found by
        // fuzzing: libmicrohttpd passes it on) is refused, as RFC 9112 allows;
        // it would otherwise reach handlers and logs as part of the path.
        guard !method.isEmpty, method.utf8.allSatisfy(Self.isTokenByte),
              !target.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            return close(400, "a control character in the request line")
        }
        let lengths = Set(collected.values("content-length").map { $0.trimmingWhitespace() })
        if lengths.count > 1 { return close(400, "conflicting Content-Length headers") }
        if !lengths.isEmpty, !collected.values("transfer-encoding").isEmpty {
            return close(400, "Content-Length together with Transfer-Encoding")
        }
        if version == "HTTP/1.1", collected.values("host").isEmpty {
            return close(400, "HTTP/1.1 request without a Host header")
        }
        // The exporter's endpoints read no body (the lifecycle endpoints need
        // none): refused before any of it is read, so a body sent a byte at a
        // time holds nothing. (Servers in tests may take bounded ones.)
        let chunked = !collected.values("transfer-encoding").isEmpty
        // A length that is not plain digits (a sign, garbage) counts as too long.
        let announced = lengths.first.map { text -> Int in
            guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return Int.max }
            return Int(text) ?? Int.max
        } ?? 0
        if chunked && maxBodyBytes == 0 || announced > maxBodyBytes {
            return close(413, maxBodyBytes == 0 ? "request bodies are not accepted" : "request body over \(maxBodyBytes) bytes")
        }
        return nil
    }

    /// RFC 9110's token characters, for the method.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// Header values by lower-cased name, repeated ones joined with ", ".
    static func headers(_ connection: OpaquePointer) -> [String: String] {
        var joined: [String: String] = [:]
        for (name, value) in collect(connection).pairs {
            joined[name] = joined[name].map { "\($0), \(value)" } ?? value
        }
        return joined
    }

    private static func close(_ status: Int, _ message: String) -> HTTPResponse {
        .text(status, message, headers: [("Connection", "close")])
    }

    struct Collected {
        var pairs: [(String, String)] = []

        func values(_ name: String) -> [String] {
            pairs.filter { $0.0 == name }.map(\.1)
        }

        /// The header lines' bytes as sent (`Name: value` and CRLF each).
        var headerBytes: Int {
            pairs.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 4 }
        }
    }

    private final class Collector {
        var collected = Collected()
    }

    /// The query string's arguments in order, percent-decoded (escaped
    /// control characters stay escaped); a name without `=` has an empty value.
    static func query(_ connection: OpaquePointer) -> [(name: String, value: String)] {
        collect(connection, kind: .GET_ARGUMENT_KIND, iterator: argumentIterator).pairs.map { (name: $0.0, value: $0.1) }
    }

    private static func collect(_ connection: OpaquePointer, kind: MHD_ValueKind = .HEADER_KIND, iterator: MHD_KeyValueIterator = headerIterator) -> Collected {
        let collector = Collector()
        let unmanaged = Unmanaged.passRetained(collector)
        defer { unmanaged.release() }
        _ = MHD_get_connection_values(connection, kind, iterator, unmanaged.toOpaque())
        return collector.collected
    }

    private static let headerIterator: MHD_KeyValueIterator = { cls, _, key, value in
        guard let cls, let key else { return .YES }
        let collector = Unmanaged<Collector>.fromOpaque(cls).takeUnretainedValue()
        collector.collected.pairs.append((String(cString: key).lowercased(), value.map { String(cString: $0) } ?? ""))
        return .YES
    }

    private static let argumentIterator: MHD_KeyValueIterator = { cls, _, key, value in
        guard let cls, let key else { return .YES }
        let collector = Unmanaged<Collector>.fromOpaque(cls).takeUnretainedValue()
        collector.collected.pairs.append((String(cString: key), value.map { String(cString: $0) } ?? ""))
        return .YES
    }
}
