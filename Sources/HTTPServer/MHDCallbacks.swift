import CMicroHTTPD

// libmicrohttpd's C callbacks. They live outside main.swift on purpose: there
// they would be main-actor isolated and trap when MHD's thread calls them.

/// MHD calls this once when headers arrive, again for each upload chunk, once
/// more when the request is complete, and once after a resume.
let accessHandlerCallback: MHD_AccessHandlerCallback = { cls, connection, url, method, _, _, uploadDataSize, requestContext in
    guard let cls, let connection, let requestContext else { return .NO }
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()

    guard let stored = requestContext.pointee else {
        // First call: headers only. Answering now would make MHD close
        // keep-alive connections, so just set up state.
        let context = RequestContext()
        server.register(context)
        requestContext.pointee = Unmanaged.passRetained(context).toOpaque()
        return .YES
    }
    let context = Unmanaged<RequestContext>.fromOpaque(stored).takeUnretainedValue()

    if let uploadDataSize, uploadDataSize.pointee != 0 {
        // Bodies are never used: discard them.
        uploadDataSize.pointee = 0
        return .YES
    }

    return context.state.withLock { state -> MHD_Result in
        switch state {
        case .receiving:
            if let refusal = server.clientCertificateRefusal(connection) {
                state = .sent
                return queue(refusal, on: connection, extraHeaders: server.web.headers)
            }
            let request = HTTPRequest(
                method: method.map { String(cString: $0) } ?? "",
                path: url.map { String(cString: $0) } ?? "/",
                headers: requestHeaders(connection))
            let suspended = server.suspendUnlessStopping(connection) {
                state = .pending(ConnectionHandle(raw: connection))
            }
            guard suspended else {
                state = .sent
                return queue(.text(503, "server is shutting down", headers: [("Connection", "close")]), on: connection, extraHeaders: server.web.headers)
            }
            server.dispatch(request, context: context)
            return .YES
        case .pending:
            return .YES
        case let .ready(response):
            state = .sent
            return queue(response, on: connection, extraHeaders: server.web.headers)
        case .sent:
            return .NO
        }
    }
}

/// Releases the request's context once MHD is done with it, however it ended.
let requestCompletedCallback: MHD_RequestCompletedCallback = { cls, _, requestContext, _ in
    guard let cls, let requestContext, let stored = requestContext.pointee else { return }
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
    let context = Unmanaged<RequestContext>.fromOpaque(stored)
    server.unregister(context.takeUnretainedValue())
    context.release()
    requestContext.pointee = nil
}

private final class HeaderCollector {
    var headers: [String: String] = [:]
}

private let headerIterator: MHD_KeyValueIterator = { cls, _, key, value in
    guard let cls, let key else { return .YES }
    let collector = Unmanaged<HeaderCollector>.fromOpaque(cls).takeUnretainedValue()
    let name = String(cString: key).lowercased()
    let text = value.map { String(cString: $0) } ?? ""
    if let existing = collector.headers[name] {
        collector.headers[name] = existing + ", " + text
    } else {
        collector.headers[name] = text
    }
    return .YES
}

private func requestHeaders(_ connection: OpaquePointer) -> [String: String] {
    let collector = HeaderCollector()
    let unmanaged = Unmanaged.passRetained(collector)
    defer { unmanaged.release() }
    _ = MHD_get_connection_values(connection, .HEADER_KIND, headerIterator, unmanaged.toOpaque())
    return collector.headers
}

/// Queues a response, with the configured extra headers (`http_server_config.headers`)
/// on every answer, the server's own refusals included.
private func queue(_ response: HTTPResponse, on connection: OpaquePointer, extraHeaders: [(name: String, value: String)]) -> MHD_Result {
    let created = response.body.withUnsafeBytes { bytes in
        MHD_create_response_from_buffer(
            bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress), .RESPMEM_MUST_COPY)
    }
    guard let created else { return .NO }
    defer { MHD_destroy_response(created) }
    for header in response.headers + extraHeaders {
        _ = MHD_add_response_header(created, header.name, header.value)
    }
    return MHD_queue_response(connection, UInt32(response.status), created)
}
