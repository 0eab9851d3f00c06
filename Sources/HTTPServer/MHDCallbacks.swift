import CMicroHTTPD
import Support

// libmicrohttpd's C callbacks. They live outside main.swift on purpose: there
// they would be main-actor isolated and trap when MHD's thread calls them.

/// MHD calls this once when headers arrive, again for each upload chunk, once
/// more when the request is complete, and once after a resume.
let accessHandlerCallback: MHD_AccessHandlerCallback = { cls, connection, url, method, version, _, uploadDataSize, requestContext in
    guard let cls, let connection, let requestContext else { return .NO }
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()

    guard let stored = requestContext.pointee else {
        // First call: the request line and headers are in.
        let key = UInt(bitPattern: connection)
        let context = RequestContext(connection: key)
        server.register(context)
        requestContext.pointee = Unmanaged.passRetained(context).toOpaque()
        // What needs no body is refused now, on a connection that then closes.
        let refusal: HTTPResponse?
        if server.isDraining {
            refusal = .shuttingDown
        } else {
            refusal = RequestChecks.refusal(
                connection: connection, method: method.map { String(cString: $0) } ?? "", target: url.map { String(cString: $0) } ?? "",
                version: version.map { String(cString: $0) } ?? "", maxHeaderBytes: server.maxHeaderBytes, maxBodyBytes: server.maxBodyBytes)
        }
        if let refusal {
            context.state.withLock { $0 = .sent }
            return queue(refusal, on: connection, extraHeaders: server.webConfig.current.headers)
        }
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
            // Complete now: from here the connection is busy, never swept or evicted.
            server.connections.requestStarted(UInt(bitPattern: connection))
            if let refusal = server.clientCertificateRefusal(connection) {
                state = .sent
                return queue(refusal, on: connection, extraHeaders: server.webConfig.current.headers)
            }
            let request = HTTPRequest(
                method: method.map { String(cString: $0) } ?? "",
                path: url.map { String(cString: $0) } ?? "/",
                headers: RequestChecks.headers(connection),
                clientAddress: clientAddress(connection),
                query: RequestChecks.query(connection))
            let queued = server.suspendAndQueue(connection, request: request, context: context) {
                state = .pending(ConnectionHandle(raw: connection))
            }
            guard queued else {
                state = .sent
                return queue(.shuttingDown, on: connection, extraHeaders: server.webConfig.current.headers)
            }
            return .YES
        case .pending:
            return .YES
        case let .ready(response):
            state = .sent
            return queue(response, on: connection, extraHeaders: server.webConfig.current.headers)
        case .sent:
            return .NO
        }
    }
}

/// Releases the request's context once MHD is done with it, however it ended.
let requestCompletedCallback: MHD_RequestCompletedCallback = { cls, connection, requestContext, _ in
    guard let cls else { return }
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
    if let connection { server.connections.requestFinished(UInt(bitPattern: connection)) }
    guard let requestContext, let stored = requestContext.pointee else { return }
    let context = Unmanaged<RequestContext>.fromOpaque(stored)
    server.unregister(context.takeUnretainedValue())
    context.release()
    requestContext.pointee = nil
}

/// Tracks connections from accept to close, for ``ConnectionTable``.
let connectionNotifyCallback: MHD_NotifyConnectionCallback = { cls, connection, socketContext, event in
    guard let cls, let connection else { return }
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
    let key = UInt(bitPattern: connection)
    switch event {
    case .CONNECTION_NOTIFY_STARTED:
        // Before any TLS handshake: the connection's TLS settings, which the
        // certificate and verify callbacks find through the socket context.
        server.connectionStarted(connection, socketContext: socketContext)
        server.connections.opened(key, descriptor: cmhd_connection_fd(connection), address: clientAddress(connection))
    case .CONNECTION_NOTIFY_CLOSED:
        server.connections.closed(key)
        server.connectionClosed(socketContext: socketContext)
    default:
        break
    }
}

typealias UnescapeCallback = @convention(c) (UnsafeMutableRawPointer?, OpaquePointer?, UnsafeMutablePointer<CChar>?) -> Int

/// Decodes `%HH` in place, except escapes of control characters (`%00`,
/// `%0D`, `%0A`, … `%1F`, `%7F`), which stay as they are: a NUL in the path
/// would otherwise cut the C string short (`/metrics%00foo` served as
/// `/metrics`), and a CR or LF would reach handlers and logs.
let unescapeCallback: UnescapeCallback = { _, _, text in
    guard let text else { return 0 }
    func hex(_ byte: CChar) -> UInt8? { UInt8(bitPattern: byte).hexDigitValue }
    var read = 0, write = 0
    while text[read] != 0 {
        if text[read] == CChar(UInt8(ascii: "%")), text[read + 1] != 0, text[read + 2] != 0,
           let high = hex(text[read + 1]), let low = hex(text[read + 2]), high << 4 | low >= 0x20, high << 4 | low != 0x7F {
            text[write] = CChar(bitPattern: high << 4 | low)
            read += 3
        } else {
            text[write] = text[read]
            read += 1
        }
        write += 1
    }
    text[write] = 0
    return write
}

/// Hands libmicrohttpd's formatted messages to the server's logger.
let mhdLogSink: cmhd_log_sink = { context, message in
    guard let context, let message else { return }
    Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue().mhdMessage(String(cString: message))
}

private func clientAddress(_ connection: OpaquePointer) -> String {
    var buffer = [CChar](repeating: 0, count: 64)
    guard cmhd_client_address(connection, &buffer, socklen_t(buffer.count)) == 0 else { return "" }
    return String(nulTerminated: buffer)
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

/// GnuTLS asks, through MHD, for the certificate chain and key at each TLS
/// handshake: those of the ``CertificateReloader`` of the connection's ``TLSContext``. (GnuTLS's
/// `gnutls_certificate_retrieve_function2`, spelled out: Swift imports that
/// typedef as a plain function type.)
typealias CertificateCallback = @convention(c) (
    OpaquePointer?, UnsafePointer<gnutls_datum_t>?, Int32, UnsafePointer<gnutls_pk_algorithm_t>?, Int32,
    UnsafeMutablePointer<UnsafeMutablePointer<gnutls_pcert_st>?>?, UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<OpaquePointer?>?
) -> Int32
let certificateCallback: CertificateCallback = { session, _, _, _, _, chain, length, key in
    guard let session, let chain, let length, let key, let context = cmhd_session_socket_context(session),
          let credential = Unmanaged<TLSContext>.fromOpaque(context).takeUnretainedValue().certificates.credential() else { return -1 }
    chain.pointee = cmhd_credential_chain(credential)
    length.pointee = credential.pointee.count
    key.pointee = credential.pointee.key
    return 0
}
