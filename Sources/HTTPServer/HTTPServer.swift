import CMicroHTTPD
public import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An HTTP/1.1 server on libmicrohttpd's internal polling thread.
///
/// Each complete request suspends its connection and runs the handler in a
/// Swift task, so a slow handler (an AWS collection) never blocks MHD's thread;
/// the connection is resumed with the response when the task finishes.
/// Keep-alive is MHD's own.
public final class HTTPServer: Sendable {
    /// Settings for the server.
    public struct Configuration: Sendable {
        public var address: ListenAddress
        /// Seconds a connection may stay silent (idle keep-alive, or a slow
        /// client sending its request) before it is closed.
        public var connectionTimeout: UInt32
        /// Connections open at once; more are refused until one closes.
        public var maxConnections: UInt32
        /// Connections open at once from one IP address; 0 for no limit.
        public var maxConnectionsPerIP: UInt32
        /// Bytes of memory per connection for the request line and headers:
        /// a longer URL gets 414, longer headers 431.
        public var maxHeaderBytes: Int
        /// TLS, basic authentication and extra headers (`--web.config.file`).
        public var web: WebConfiguration
        public var logger: Logger

        public init(
            address: ListenAddress, connectionTimeout: UInt32 = 60, maxConnections: UInt32 = 512, maxConnectionsPerIP: UInt32 = 0,
            maxHeaderBytes: Int = 16 * 1024, web: WebConfiguration = WebConfiguration(), logger: Logger = Logger(label: "http")
        ) {
            self.address = address
            self.connectionTimeout = connectionTimeout
            self.maxConnections = maxConnections
            self.maxConnectionsPerIP = maxConnectionsPerIP
            self.maxHeaderBytes = maxHeaderBytes
            self.web = web
            self.logger = logger
        }
    }

    /// Why the server did not start.
    public enum StartError: Error, CustomStringConvertible {
        case listen(String)
        case daemon(ListenAddress)
        case noTLS

        public var description: String {
            switch self {
            case let .listen(reason): return reason
            case let .daemon(address): return "libmicrohttpd could not start a daemon on \(address)"
            case .noTLS: return "this libmicrohttpd was built without TLS support; tls_server_config cannot be used"
            }
        }
    }

    let handler: any HTTPHandler
    let logger: Logger
    let web: WebConfiguration
    /// Whether requests must carry a verified client certificate, or one that
    /// verifies when given.
    let clientAuth: TLSConfiguration.ClientAuth
    let daemon: Mutex<DaemonHandle?>
    /// Live requests, and whether the server is stopping (then no request is
    /// suspended any more: MHD must never be stopped with one suspended).
    let shared = Mutex(Shared())

    struct Shared {
        var contexts: [ObjectIdentifier: RequestContext] = [:]
        var stopping = false
    }
    /// The TCP port actually bound (differs from the configured one when that is 0).
    public let port: Int
    let listenDescriptor: Int32

    struct DaemonHandle: @unchecked Sendable { let raw: OpaquePointer }

    /// Binds the address and starts serving at once.
    public init(configuration: Configuration, handler: any HTTPHandler) throws(StartError) {
        self.handler = handler
        self.logger = configuration.logger
        self.web = configuration.web
        self.clientAuth = configuration.web.tls?.clientAuth ?? .noClientCert
        // MHD_FEATURE_TLS is 2; it shares the value with its alias _SSL.
        let tlsBuiltIn = MHD_FEATURE(rawValue: 2).map { MHD_is_feature_supported($0) == .YES } ?? false
        if configuration.web.tls != nil, !tlsBuiltIn { throw .noTLS }
        let socket: ListenSocket
        do {
            socket = try ListenSocket.open(configuration.address)
        } catch {
            throw .listen(error.description)
        }
        self.port = socket.port
        self.listenDescriptor = socket.descriptor
        self.daemon = Mutex(nil)

        var flags: UInt32 = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue | MHD_USE_AUTO.rawValue
        let context = Unmanaged.passUnretained(self).toOpaque()
        let completed = unsafeBitCast(requestCompletedCallback as MHD_RequestCompletedCallback, to: UnsafeRawPointer.self)
        var options: [any CVarArg] = [
            MHD_OPTION.LISTEN_SOCKET.rawValue, socket.descriptor,
            MHD_OPTION.CONNECTION_TIMEOUT.rawValue, configuration.connectionTimeout,
            MHD_OPTION.CONNECTION_LIMIT.rawValue, configuration.maxConnections,
            MHD_OPTION.PER_IP_CONNECTION_LIMIT.rawValue, configuration.maxConnectionsPerIP,
            MHD_OPTION.CONNECTION_MEMORY_LIMIT.rawValue, configuration.maxHeaderBytes,
            MHD_OPTION.NOTIFY_COMPLETED.rawValue, OpaquePointer(completed), OpaquePointer(context),
        ]
        // MHD reads the PEM strings while starting; they are freed after.
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        if let tls = configuration.web.tls {
            flags |= MHD_USE_TLS.rawValue
            var texts: [(MHD_OPTION, String)] = [(.HTTPS_MEM_CERT, tls.certificate), (.HTTPS_MEM_KEY, tls.key), (.HTTPS_PRIORITIES, tls.priorities)]
            // With CAs to trust, MHD asks clients for a certificate.
            if tls.clientAuth != .noClientCert, let clientCA = tls.clientCA { texts.append((.HTTPS_MEM_TRUST, clientCA)) }
            for (option, text) in texts {
                guard let copy = strdup(text) else {
                    close(socket.descriptor)
                    throw .daemon(configuration.address)
                }
                strings.append(copy)
                options += [option.rawValue, copy]
            }
        }
        options.append(MHD_OPTION.END.rawValue)
        let started = withVaList(options) { arguments in
            MHD_start_daemon_va(flags, 0, nil, nil, accessHandlerCallback, context, arguments)
        }
        guard let started else {
            close(socket.descriptor)
            throw .daemon(configuration.address)
        }
        daemon.withLock { $0 = DaemonHandle(raw: started) }
    }

    deinit {
        stopNow(gracePeriod: .zero)
    }

    /// Stops accepting, lets in-flight requests finish for up to `gracePeriod`,
    /// answers any still running with 503, then stops the daemon. MHD aborts if
    /// it is stopped with a suspended connection, so every one is resumed first.
    public func shutdown(gracePeriod: Duration = .seconds(5)) async {
        guard let handle = daemon.withLock({ $0 }) else { return }
        _ = MHD_quiesce_daemon(handle.raw)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: gracePeriod)
        while clock.now < deadline, pendingCount() > 0 {
            try? await Task.sleep(for: .milliseconds(20))
        }
        stopNow(gracePeriod: .zero)
    }

    /// The synchronous end of shutdown: refuse new work, answer what is
    /// suspended with 503, give MHD's thread up to a second to send it, stop.
    func stopNow(gracePeriod: Duration) {
        guard let handle = daemon.withLock({ current -> DaemonHandle? in
            defer { current = nil }
            return current
        }) else { return }
        _ = MHD_quiesce_daemon(handle.raw)
        let pending = shared.withLock { shared -> [RequestContext] in
            shared.stopping = true
            return Array(shared.contexts.values)
        }
        for context in pending {
            if context.complete(with: .text(503, "server is shutting down", headers: [("Connection", "close")])) {
                logger.warning("answered an in-flight request with 503 at shutdown")
            }
        }
        // A request's context goes away once MHD reports it completed.
        let clock = ContinuousClock()
        let flushDeadline = clock.now.advanced(by: .seconds(1))
        while clock.now < flushDeadline, shared.withLock({ !$0.contexts.isEmpty }) {
            usleep(5_000)
        }
        MHD_stop_daemon(handle.raw)
        close(listenDescriptor)
    }

    /// Read outside the server's lock: a request's own lock is taken before
    /// the server's in the access handler, never the other way round.
    func pendingCount() -> Int {
        shared.withLock { Array($0.contexts.values) }.filter(\.isPending).count
    }

    // MARK: Called from MHD's thread through the C callbacks.

    func register(_ context: RequestContext) {
        shared.withLock { $0.contexts[ObjectIdentifier(context)] = context }
    }

    func unregister(_ context: RequestContext) {
        shared.withLock { $0.contexts[ObjectIdentifier(context)] = nil }
    }

    /// Suspends the connection for the handler unless the server is stopping;
    /// done under the server's lock so shutdown cannot miss it.
    func suspendUnlessStopping(_ connection: OpaquePointer, then markPending: () -> Void) -> Bool {
        shared.withLock { shared in
            guard !shared.stopping else { return false }
            markPending()
            MHD_suspend_connection(connection)
            return true
        }
    }

    /// The answer for a TLS client whose certificate does not satisfy
    /// `client_auth_type`, or nil to go on. MHD cannot fail the handshake for
    /// a missing certificate, so the refusal is an HTTP 403 on a closed connection.
    func clientCertificateRefusal(_ connection: OpaquePointer) -> HTTPResponse? {
        guard clientAuth != .noClientCert else { return nil }
        var status: UInt32 = 0
        let result = cmhd_client_certificate(connection, &status)
        let refusal: String
        switch (result, clientAuth) {
        case (CMHD_CLIENT_CERT_VALID.rawValue, _), (CMHD_CLIENT_CERT_NONE.rawValue, .verifyClientCertIfGiven):
            return nil
        case (CMHD_CLIENT_CERT_NONE.rawValue, _):
            refusal = "a client certificate is required"
        default:
            refusal = "the client certificate was not verified (GnuTLS status \(status))"
        }
        // Debug, not warning: a client could otherwise write a line per request.
        logger.debug("refused a TLS client", metadata: ["reason": "\(refusal)"])
        return .text(403, "403 Forbidden: \(refusal)", headers: [("Connection", "close")])
    }

    /// Runs the handler for a fully received request, then resumes the
    /// connection. Basic authentication comes first, when configured.
    func dispatch(_ request: HTTPRequest, context: RequestContext) {
        let handler = self.handler
        let logger = self.logger
        let web = self.web
        Task {
            var response: HTTPResponse
            if let authenticator = web.basicAuth, await !authenticator.authorize(request.header("authorization")) {
                // Which part was wrong is not said, and the header is never logged.
                response = .text(401, "Unauthorized", headers: [("WWW-Authenticate", "Basic")])
                logger.debug("refused basic authentication", metadata: ["path": "\(request.path)"])
            } else {
                response = await handler.handle(request)
            }
            if response.compressible {
                response.headers.append(("Vary", "Accept-Encoding"))
                if AcceptEncoding.allowsGzip(request.header("accept-encoding")) {
                    do {
                        response.body = try Gzip.compress(response.body)
                        response.headers.append(("Content-Encoding", "gzip"))
                    } catch {
                        logger.error("gzip failed, sending uncompressed", metadata: ["err": "\(error)"])
                    }
                }
            }
            func header(_ name: String) -> String? { response.headers.first { $0.name.lowercased() == name }?.value }
            logger.debug("request served", metadata: [
                "method": "\(request.method)", "path": "\(request.path)", "status": "\(response.status)",
                "content_type": "\(header("content-type") ?? "")", "encoding": "\(header("content-encoding") ?? "identity")",
                "bytes": "\(response.body.count)",
            ])
            context.complete(with: response)
        }
    }
}
