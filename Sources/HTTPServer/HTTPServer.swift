import CMicroHTTPD
import Dispatch
public import Logging
import Support
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An HTTP/1.1 server on libmicrohttpd, one daemon (and polling thread) per
/// listening socket.
///
/// A complete request suspends its connection and becomes a child task of
/// ``run()``, so a slow handler (an AWS collection) never blocks MHD's
/// thread; the connection is resumed with the response when the task
/// finishes. Keep-alive is MHD's own. ``ConnectionTable`` keeps hostile
/// clients from holding the connections, and ``drain(gracePeriod:)`` shuts
/// down in order.
public final class HTTPServer: Sendable {
    /// Where to listen.
    public enum Listener: Sendable, CustomStringConvertible {
        /// Bind and listen on an address.
        case address(ListenAddress)
        /// A socket already listening, passed by systemd (socket activation).
        case inherited(descriptor: Int32)

        public var description: String {
            switch self {
            case let .address(address): return "\(address)"
            case let .inherited(descriptor): return "systemd socket (fd \(descriptor))"
            }
        }
    }

    /// Settings for the server.
    public struct Configuration: Sendable {
        public var listeners: [Listener]
        /// How long a connection may wait for its next request after an answer.
        public var idleTimeout: Duration
        /// How long a new connection may take to deliver a complete request.
        public var readHeaderTimeout: Duration
        /// Connections kept open; past it, each new one evicts a waiting one.
        public var maxConnections: Int
        /// Connections open at once from one IP address; 0 for no limit.
        public var maxConnectionsPerIP: Int
        /// Bytes of request line and headers: a longer URL gets 414, longer headers 431.
        public var maxHeaderBytes: Int
        /// Request bodies accepted (and discarded: handlers never see one), by
        /// `Content-Length`; 0, the default, answers any body 413 at once.
        public var maxBodyBytes: Int
        /// TLS, basic authentication, extra headers and a rate limit (`--web.config.file`).
        public var web: WebConfiguration
        /// The file `web` was read from, read again when it changes; nil for a fixed `web`.
        public var webConfigFile: String?
        public var logger: Logger
        /// Where handlers run: a pool whose threads may block (the exporter's
        /// scrape threads), or nil for Swift's global executor.
        public var executor: (any TaskExecutor)?

        public init(
            listeners: [Listener], idleTimeout: Duration = .seconds(60), readHeaderTimeout: Duration = .seconds(10),
            maxConnections: Int = 1024, maxConnectionsPerIP: Int = 0, maxHeaderBytes: Int = 16 * 1024, maxBodyBytes: Int = 0,
            web: WebConfiguration = WebConfiguration(), webConfigFile: String? = nil, logger: Logger = Logger(label: "http"),
            executor: (any TaskExecutor)? = nil
        ) {
            self.executor = executor
            self.webConfigFile = webConfigFile
            self.maxBodyBytes = maxBodyBytes
            self.listeners = listeners
            self.idleTimeout = idleTimeout
            self.readHeaderTimeout = readHeaderTimeout
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
        case daemon(listener: String, reasons: [String])
        case noTLS

        public var description: String {
            switch self {
            case let .listen(reason): return reason
            case let .daemon(listener, reasons):
                let why = reasons.isEmpty ? "no reason given" : reasons.joined(separator: "; ")
                return "libmicrohttpd could not start on \(listener): \(why)"
            case .noTLS: return "this libmicrohttpd was built without TLS support; tls_server_config cannot be used"
            }
        }
    }

    struct DaemonHandle: @unchecked Sendable { let raw: OpaquePointer }
    /// The C struct MHD's log adapter reads; written once, before any daemon starts.
    struct LoggerContext: @unchecked Sendable { let pointer: UnsafeMutablePointer<cmhd_logger> }
    typealias Job = (request: HTTPRequest, context: RequestContext)

    let handler: any HTTPHandler
    let logger: Logger
    let executor: (any TaskExecutor)?
    /// The web config in service, read again when its file changes.
    let webConfig: WebConfigWatcher
    let maxHeaderBytes: Int
    let maxBodyBytes: Int
    let connections: ConnectionTable
    let daemons = Locked<[DaemonHandle]>([])
    /// Live requests and the shutdown state. A request's own lock is taken
    /// before this one in the access handler, never the other way round.
    let shared = Locked(Shared())
    /// The listening sockets, closed when draining starts.
    let listenDescriptors: Locked<[Int32]>
    /// The TCP ports actually bound, in the order of the listeners.
    public let ports: [Int]
    let jobs: AsyncStream<Job>
    let jobInput: AsyncStream<Job>.Continuation
    /// libmicrohttpd's own messages; kept during start-up to explain a failure.
    let startupMessages = Locked<[String]?>([])
    let mhdLogger: LoggerContext
    /// Closes connections past their timeouts; stopped at stop.
    let sweeper = ConnectionSweeper()

    struct Shared {
        var contexts: [ObjectIdentifier: RequestContext] = [:]
        /// New requests are answered 503 with `Connection: close`.
        var draining = false
        /// No request is suspended any more: MHD must never be stopped with one suspended.
        var stopping = false
        var idleWaiters: [OneShot] = []
    }

    /// The port of the first listener.
    public var port: Int { ports.first ?? 0 }

    /// Binds every listener and starts serving at once; requests are handled
    /// once ``run()`` runs.
    public init(configuration: Configuration, handler: any HTTPHandler) throws(StartError) {
        self.handler = handler
        self.logger = configuration.logger
        self.executor = configuration.executor
        self.maxHeaderBytes = configuration.maxHeaderBytes
        self.maxBodyBytes = configuration.maxBodyBytes
        self.connections = ConnectionTable(limits: .init(
            softLimit: configuration.maxConnections, readHeaderTimeout: configuration.readHeaderTimeout,
            idleTimeout: configuration.idleTimeout))
        (jobs, jobInput) = AsyncStream.makeStream(of: Job.self, bufferingPolicy: .unbounded)
        mhdLogger = LoggerContext(pointer: .allocate(capacity: 1))
        // MHD_FEATURE_TLS is 2; it shares the value with its alias _SSL.
        let tlsBuiltIn = MHD_FEATURE(rawValue: 2).map { MHD_is_feature_supported($0) == .YES } ?? false
        if configuration.web.tls != nil, !tlsBuiltIn {
            mhdLogger.pointer.deallocate()
            throw .noTLS
        }
        var sockets: [ListenSocket] = []
        for listener in configuration.listeners {
            do {
                switch listener {
                case let .address(address): sockets.append(try ListenSocket.open(address))
                case let .inherited(descriptor): sockets.append(try ListenSocket.inherited(descriptor))
                }
            } catch {
                for socket in sockets { close(socket.descriptor) }
                mhdLogger.pointer.deallocate()
                throw .listen(error.description)
            }
        }
        ports = sockets.map(\.port)
        listenDescriptors = Locked(sockets.map(\.descriptor))
        do {
            webConfig = try WebConfigWatcher(configuration.web, path: configuration.webConfigFile, logger: configuration.logger)
        } catch {
            for socket in sockets { close(socket.descriptor) }
            mhdLogger.pointer.deallocate()
            throw .daemon(listener: configuration.listeners.first?.description ?? "", reasons: [error.description])
        }
        mhdLogger.pointer.initialize(to: cmhd_logger(sink: mhdLogSink, context: Unmanaged.passUnretained(self).toOpaque()))

        for (socket, listener) in zip(sockets, configuration.listeners) {
            guard let daemon = startDaemon(on: socket.descriptor, configuration: configuration) else {
                let reasons = startupMessages.withLock { $0 ?? [] }
                stopNow()
                throw .daemon(listener: listener.description, reasons: reasons)
            }
            daemons.withLock { $0.append(DaemonHandle(raw: daemon)) }
        }
        startupMessages.withLock { $0 = nil }
        // Files (a web config file, certificates) are looked at every quarter
        // of the shorter timeout, at most every second.
        let fileCheckEvery = min(min(configuration.readHeaderTimeout, configuration.idleTimeout) / 4, .seconds(1))
        sweeper.start(connections: connections, webConfig: webConfig, fileCheckEvery: fileCheckEvery)
    }

    private func startDaemon(on descriptor: Int32, configuration: Configuration) -> OpaquePointer? {
        var flags: UInt32 = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue
            | MHD_USE_AUTO.rawValue | MHD_USE_ERROR_LOG.rawValue
        let context = Unmanaged.passUnretained(self).toOpaque()
        let completed = unsafeBitCast(requestCompletedCallback as MHD_RequestCompletedCallback, to: UnsafeRawPointer.self)
        let notify = unsafeBitCast(connectionNotifyCallback as MHD_NotifyConnectionCallback, to: UnsafeRawPointer.self)
        let unescape = unsafeBitCast(unescapeCallback as UnescapeCallback, to: UnsafeRawPointer.self)
        let log = unsafeBitCast(cmhd_log_adapter_pointer(), to: UnsafeRawPointer.self)
        // MHD's own limit sits above ours, which evicts waiting connections
        // first; its memory pool leaves room for the request and the answer
        // beyond --web.max-header-bytes, which is checked here exactly.
        let hardLimit = UInt32(clamping: configuration.maxConnections + max(16, configuration.maxConnections / 8))
        let idleSeconds = UInt32(clamping: max(1, Int(configuration.idleTimeout / .seconds(1))))
        var options: [any CVarArg] = [
            MHD_OPTION.EXTERNAL_LOGGER.rawValue, OpaquePointer(log), OpaquePointer(mhdLogger.pointer),
            MHD_OPTION.LISTEN_SOCKET.rawValue, descriptor,
            MHD_OPTION.CONNECTION_TIMEOUT.rawValue, idleSeconds,
            MHD_OPTION.CONNECTION_LIMIT.rawValue, hardLimit,
            MHD_OPTION.PER_IP_CONNECTION_LIMIT.rawValue, UInt32(clamping: configuration.maxConnectionsPerIP),
            MHD_OPTION.CONNECTION_MEMORY_LIMIT.rawValue, Self.memoryPool(maxHeaderBytes: configuration.maxHeaderBytes),
            MHD_OPTION.NOTIFY_COMPLETED.rawValue, OpaquePointer(completed), OpaquePointer(context),
            MHD_OPTION.NOTIFY_CONNECTION.rawValue, OpaquePointer(notify), OpaquePointer(context),
            MHD_OPTION.UNESCAPE_CALLBACK.rawValue, OpaquePointer(unescape), OpaquePointer(context),
        ]
        // MHD reads the PEM strings while starting; they are freed after.
        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        if let tls = configuration.web.tls {
            flags |= MHD_USE_TLS.rawValue
            // Each connection is put under the settings in service when it
            // starts (credentials, priorities, client certificates: TLSContext);
            // these are the daemon's defaults, never used for a handshake.
            let texts: [(MHD_OPTION, String)] = [(.HTTPS_PRIORITIES, tls.priorities.string)]
            // The pair is asked for at each handshake, so that renewed files are served.
            let callback = unsafeBitCast(certificateCallback, to: UnsafeRawPointer.self)
            options += [MHD_OPTION.HTTPS_CERT_CALLBACK.rawValue, OpaquePointer(callback)]
            for (option, text) in texts {
                guard let copy = strdup(text) else { return nil }
                strings.append(copy)
                options += [option.rawValue, copy]
            }
        }
        options.append(MHD_OPTION.END.rawValue)
        return withVaList(options) { arguments in
            MHD_start_daemon_va(flags, 0, nil, nil, accessHandlerCallback, context, arguments)
        }
    }

    /// MHD's per-connection memory: the request line and headers up to the
    /// limit (checked exactly by ``RequestChecks``) plus room for MHD to
    /// build its own error answers, so that a request near the limit is
    /// answered, never dropped.
    static func memoryPool(maxHeaderBytes: Int) -> Int {
        maxHeaderBytes * 2 + 16 * 1024
    }

    deinit {
        stopNow()
        mhdLogger.pointer.deallocate()
    }

    // MARK: Lifetime

    /// Handles requests, each in a child task, until the server stops;
    /// returns once every handler has returned.
    public func run() async {
        // The loop too runs on the handlers' executor: each request then
        // takes one hop from libmicrohttpd's thread, not two.
        await withTaskExecutorPreference(executor) {
            await withDiscardingTaskGroup { group in
                for await job in jobs {
                    group.addTask { await self.serve(job.request, context: job.context) }
                }
                // Stopped: whatever still runs was answered 503 already.
                group.cancelAll()
            }
        }
    }

    /// Shuts down in order: stops accepting (the listening sockets close, so
    /// new connections are refused at once), answers every new request 503
    /// with `Connection: close` (readiness first), lets requests in flight
    /// finish for up to `gracePeriod`, answers any still running 503, and
    /// stops. Returns as soon as the last request in flight is done.
    public func drain(gracePeriod: Duration = .seconds(5)) async {
        shared.withLock { $0.draining = true }
        for daemon in daemons.withLock({ $0 }) { _ = MHD_quiesce_daemon(daemon.raw) }
        closeListeners()
        let idle = OneShot()
        let busy = shared.withLock { shared -> Bool in
            guard shared.contexts.values.contains(where: \.isPending) else { return false }
            shared.idleWaiters.append(idle)
            return true
        }
        if busy {
            let seconds = gracePeriod / .seconds(1)
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { idle.fire() }
            await idle.wait()
        }
        await DedicatedThread.run(name: "http-stop") { self.stopNow() }
    }

    /// The synchronous end of shutdown: refuse new work, answer what is
    /// suspended with 503, give MHD's threads up to a second to send it, stop.
    func stopNow() {
        let handles = daemons.withLock { current -> [DaemonHandle] in
            defer { current = [] }
            return current
        }
        sweeper.stop()
        for handle in handles { _ = MHD_quiesce_daemon(handle.raw) }
        closeListeners()
        let pending = shared.withLock { shared -> [RequestContext] in
            shared.draining = true
            shared.stopping = true
            return Array(shared.contexts.values)
        }
        for context in pending where context.complete(with: .shuttingDown) {
            logger.warning("answered an in-flight request with 503 at shutdown")
        }
        jobInput.finish()
        // A request's context goes away once MHD reports it completed.
        let clock = ContinuousClock()
        let flushDeadline = clock.now.advanced(by: .seconds(1))
        while !handles.isEmpty, clock.now < flushDeadline, shared.withLock({ !$0.contexts.isEmpty }) {
            usleep(5_000)
        }
        for handle in handles { MHD_stop_daemon(handle.raw) }
        let waiters = shared.withLock { shared in
            defer { shared.idleWaiters = [] }
            return shared.idleWaiters
        }
        for waiter in waiters { waiter.fire() }
    }

    private func closeListeners() {
        let descriptors = listenDescriptors.withLock { current in
            defer { current = [] }
            return current
        }
        for descriptor in descriptors { close(descriptor) }
    }

    // MARK: Called from MHD's threads through the C callbacks.

    func register(_ context: RequestContext) {
        shared.withLock { $0.contexts[ObjectIdentifier(context)] = context }
    }

    func unregister(_ context: RequestContext) {
        let waiters = shared.withLock { shared -> [OneShot] in
            shared.contexts[ObjectIdentifier(context)] = nil
            guard !shared.idleWaiters.isEmpty, !shared.contexts.values.contains(where: \.isPending) else { return [] }
            defer { shared.idleWaiters = [] }
            return shared.idleWaiters
        }
        for waiter in waiters { waiter.fire() }
    }

    /// Whether new requests are refused because the server shuts down.
    var isDraining: Bool { shared.withLock { $0.draining } }

    /// Suspends the connection and queues the request unless the server is
    /// draining; done under the server's lock so shutdown cannot miss it.
    func suspendAndQueue(_ connection: OpaquePointer, request: HTTPRequest, context: RequestContext, markPending: () -> Void) -> Bool {
        shared.withLock { shared in
            guard !shared.draining, !shared.stopping else { return false }
            markPending()
            MHD_suspend_connection(connection)
            jobInput.yield((request, context))
            return true
        }
    }

    /// A message from libmicrohttpd: kept to explain a failed start, else
    /// logged at debug (most are about what clients did).
    func mhdMessage(_ text: String) {
        let message = text.trimmingWhitespaceAndNewlines().bounded(maxBytes: 512)
        let kept = startupMessages.withLock { messages -> Bool in
            guard messages != nil else { return false }
            messages?.append(message)
            return true
        }
        if !kept { logger.debug("libmicrohttpd", metadata: ["message": "\(message)"]) }
    }

    /// Puts a new TLS connection, before its handshake, under the TLS
    /// settings in service, which it keeps (as its socket context) until it closes.
    func connectionStarted(_ connection: OpaquePointer, socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) {
        guard let socketContext, let session = cmhd_connection_session(connection), let tls = webConfig.current.tls else { return }
        socketContext.pointee = Unmanaged.passRetained(tls).toOpaque()
        if !tls.apply(to: session) {
            // Never serve it under older, perhaps weaker, settings: the
            // handshake fails on a socket shut down under it.
            let descriptor = cmhd_connection_fd(connection)
            if descriptor >= 0 { _ = shutdown(descriptor, Int32(SHUT_RDWR)) }
            logger.warning("could not apply the TLS settings in service to a new connection; it is closed")
        }
    }

    /// Releases the connection's TLS settings.
    func connectionClosed(socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) {
        guard let socketContext, let raw = socketContext.pointee else { return }
        socketContext.pointee = nil
        Unmanaged<TLSContext>.fromOpaque(raw).release()
    }

    /// The answer for a TLS client whose certificate does not satisfy
    /// `client_auth_type` and `client_allowed_sans` of the settings its
    /// connection started under, or nil to go on. The handshake refuses such
    /// a certificate already; this catches what GnuTLS lets through (no
    /// certificate at all where allowed names are required), as an HTTP 403
    /// on a closed connection.
    func clientCertificateRefusal(_ connection: OpaquePointer) -> HTTPResponse? {
        guard let raw = cmhd_connection_socket_context(connection), let session = cmhd_connection_session(connection) else { return nil }
        let tls = Unmanaged<TLSContext>.fromOpaque(raw).takeUnretainedValue()
        guard let refusal = tls.refusal(session) else { return nil }
        // Debug, not warning: a client could otherwise write a line per request.
        logger.debug("refused a TLS client", metadata: ["reason": "\(refusal)"])
        return .text(403, "403 Forbidden: \(refusal)", headers: [("Connection", "close")])
    }

    /// Runs the stages of the web config in service (rate limit, basic
    /// authentication) and the handler for a fully received request, then
    /// resumes the connection.
    func serve(_ request: HTTPRequest, context: RequestContext) async {
        let generation = await webConfig.forRequest()
        let response = await generation.stages.respond(to: request, handler: handler)
        logger.debug("request served", metadata: [
            "method": "\(request.method)", "path": "\(request.path)", "status": "\(response.status)",
            "content_type": "\(response.headers.first { $0.name.lowercased() == "content-type" }?.value ?? "")",
            "encoding": "\(response.headers.first { $0.name.lowercased() == "content-encoding" }?.value ?? "identity")",
            "bytes": "\(response.body.count)",
        ])
        context.complete(with: response)
    }
}

/// A signal that fires once and wakes its one waiter.
final class OneShot: Sendable {
    private let state = Locked<(fired: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func fire() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.fired else { return nil }
            state.fired = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let fired = state.withLock { state -> Bool in
                if state.fired { return true }
                state.waiter = continuation
                return false
            }
            if fired { continuation.resume() }
        }
    }
}
