import Dispatch
import Support
import Synchronization

/// A small HTTP/1.1 client for the exporter's one kind of traffic: JSON
/// POSTs to AWS endpoints and GETs to credential endpoints. Each request's
/// blocking I/O runs on a worker thread (``WorkerThreads``), never on Swift's
/// cooperative pool (inline when the caller runs on such a thread already);
/// cooperative pool; keep-alive connections are pooled; TLS is GnuTLS, the
/// library libmicrohttpd already links, verifying against the system's CAs
/// or `AWS_CA_BUNDLE`.
///
/// Proxies come from ``ProxySettings`` (`HTTPS_PROXY`, `HTTP_PROXY`,
/// `NO_PROXY`, as the AWS SDKs read them). Redirects are not followed, and
/// only `http` and `https` are spoken. A reused connection that the server
/// had closed is retried once on a new one before any answer was read.
public final class HTTPClient: Sendable {
    /// Settings for every request of this client.
    public struct Configuration: Sendable {
        public var connectTimeout: Duration
        public var userAgent: String
        /// PEM bundle of trusted CAs (`AWS_CA_BUNDLE`); the system's when nil.
        public var caBundle: String?
        /// Idle connections kept for reuse.
        public var maxIdleConnections: Int
        public var proxies: ProxySettings

        public init(
            connectTimeout: Duration = .seconds(5), userAgent: String = "workspaces-exporter", caBundle: String? = nil,
            maxIdleConnections: Int = 64, proxies: ProxySettings = .none
        ) {
            self.connectTimeout = connectTimeout
            self.userAgent = userAgent
            self.caBundle = caBundle
            self.maxIdleConnections = maxIdleConnections
            self.proxies = proxies
        }
    }

    private struct State {
        var inFlight: [ObjectIdentifier: Exchange] = [:]
        var shutDown = false
    }

    let configuration: Configuration
    private let state = Locked(State())
    private let pool: ConnectionPool
    private let workers = WorkerThreads(name: "http-client")
    /// Loaded on a worker, on the first `https` request; a failure is not
    /// kept, so a CA bundle fixed later is picked up.
    private let tlsCredentials = Locked<TLSCredentials?>(nil)
    /// Connections opened so far (`aws_workspaces_http_client_connections_opened_total`).
    let openedConnections = Atomic<Int>(0)
    /// Requests whose I/O ran on the caller's thread (``WorkerThreads/blockHere(brief:_:)``).
    let inlineRequests = Atomic<Int>(0)

    /// Connections opened so far: how well pooling works.
    public var connectionsOpened: Int { openedConnections.load(ordering: .relaxed) }

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        pool = ConnectionPool(maxIdle: configuration.maxIdleConnections)
    }

    deinit {
        workers.stop()
        pool.close()
    }

    /// Sends the request and returns the whole answer, whatever its status.
    /// Cancelling the calling task ends the request at once.
    public func execute(_ request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        guard let url = request.parsedURL ?? URLParts(request.url) else {
            throw .transport("not an absolute http:// or https:// URL: \(URLParts.redacted(request.url))")
        }
        // Decided once: plain HTTP through a proxy also changes the request line.
        let proxy = configuration.proxies.proxy(for: url)
        let head = try RequestHead(request, url: url, proxy: url.secure ? nil : proxy, userAgent: configuration.userAgent)
        let exchange = Exchange()
        // From now, not from when a worker takes it: a request that waited
        // for a thread (at the cap) has no more time than one that did not.
        let deadline = ContinuousClock.now.advanced(by: request.timeout)
        let id = ObjectIdentifier(exchange)
        let registered = state.withLock { state -> Bool in
            guard !state.shutDown else { return false }
            state.inFlight[id] = exchange
            return true
        }
        guard registered else { throw .shutDown }
        defer { _ = state.withLock { $0.inFlight.removeValue(forKey: id) } }
        // On a thread of a task pool (a scrape's), over a kept connection: the
        // request's I/O runs here, without two hops between threads. A new
        // connection (a DNS lookup, which no deadline of ours interrupts)
        // takes the worker below, as does every request from Swift's pool.
        if pool.hasIdle(key(for: url, proxy: proxy)),
           let inline = await executeInline(request, url: url, proxy: proxy, head: head, deadline: deadline, exchange: exchange) {
            return try inline.get()
        }
        return try await onWorker(exchange) { [self] wake in
            // Given up while it waited for a thread: nothing is sent.
            guard let cancel = exchange.attach(wake) else { return nil }
            defer { exchange.detach() }
            return perform(request, url: url, proxy: proxy, head: head, cancel: cancel, deadline: deadline, exchange: exchange, mayOpen: true)
                ?? .failure(.transport("no connection"))
        }.get()
    }

    /// Runs `job` on a worker thread and settles the exchange with what it
    /// returns (nil: given up meanwhile, settled already); the caller is
    /// resumed at once by an interruption (cancellation, shutdown) instead.
    private func onWorker(_ exchange: Exchange, _ job: @escaping @Sendable (WorkerThreads.Wake) -> Exchange.Outcome?) async -> Exchange.Outcome {
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                exchange.wait(continuation)
                // Cancelled before it started: nothing is sent.
                guard !exchange.isFinished else { return }
                let submitted = workers.submit { wake in
                    if let outcome = job(wake) { exchange.finish(outcome) }
                }
                if !submitted {
                    exchange.finish(.failure(state.withLock { $0.shutDown } ? .shutDown : .transport("no thread available for the request")))
                }
            }
        } onCancel: {
            exchange.interrupt(with: .cancelled)
        }
        exchange.synchronize()
        return outcome
    }

    /// The request over a kept connection, on the calling thread of a task
    /// pool: sent there (``WorkerThreads/blockHere(brief:_:)``), then the
    /// task waits for the answer's first bytes beside the thread's other
    /// tasks (``WorkerThreads/awaitReadable(_:until:)``: one `poll`, one
    /// wake-up, for two listings whose answers come together), then the
    /// answer is read there. Nil when a worker is to send the request:
    /// nothing was sent (no usable kept connection, or the thread may not
    /// block), or a request that may be repeated found its connection
    /// closed before any answer and needs a new one.
    private func executeInline(
        _ request: HTTPClientRequest, url: URLParts, proxy: ProxySettings.Proxy?, head: RequestHead,
        deadline: ContinuousClock.Instant, exchange: Exchange
    ) async -> Exchange.Outcome? {
        enum Sent {
            case sent(Connection)
            case settled(Exchange.Outcome)
        }
        let key = key(for: url, proxy: proxy)
        let sent: Sent? = await withTaskCancellationHandler {
            WorkerThreads.blockHere(brief: true) { wake -> Sent? in
                guard let cancel = exchange.attach(wake) else { return .settled(exchange.settle(.failure(.cancelled))) }
                defer { exchange.detach() }
                var message = head.bytes
                message += request.body
                // A kept connection the server closed fails the write: nothing
                // was acted on, so the next kept one is tried.
                while let connection = pool.checkOut(key) {
                    do throws(HTTPClientError) {
                        try cancel.check()
                        try connection.send(message, deadline: deadline, cancel: cancel)
                        return .sent(connection)
                    } catch {
                        if case .transport = error { continue }
                        return .settled(exchange.settle(.failure(error)))
                    }
                }
                return nil
            } ?? nil
        } onCancel: {
            exchange.interrupt(with: .cancelled)
        }
        let connection: Connection
        switch sent {
        case nil: return nil
        case let .settled(outcome): return outcome
        case let .sent(sentOn): connection = sentOn
        }
        inlineRequests.wrappingAdd(1, ordering: .relaxed)
        // Dropped unless read to its end: a connection whose answer was not
        // read is never put back.
        var readiness = WorkerThreads.Readiness.readable
        if !connection.hasDecryptedInput {
            // Ended by the task's cancellation, and by the exchange's
            // interruption (the client's shutdown).
            let waiter = WorkerThreads.SocketWaiter(descriptor: connection.descriptor, deadline: deadline)
            guard exchange.attach(waiter) else { return exchange.settle(.failure(.cancelled)) }
            readiness = await WorkerThreads.awaitReadable(waiter)
            exchange.detachWaiter()
            switch readiness {
            case .readable, .refused: break
            case .timedOut: return exchange.settle(.failure(.timedOut("waiting for the answer")))
            case .cancelled: return exchange.settle(.failure(.cancelled))
            }
        }
        // The answer, not yet settled; nil when it is to be sent again on a
        // new connection (closed under the request before any answer, a
        // request that may be repeated: only a worker opens one).
        let readable = readiness == .readable
        @Sendable func readAnswer(_ wake: WorkerThreads.Wake, mayOpen: Bool) -> Exchange.Outcome? {
            guard let cancel = exchange.attach(wake) else { return .failure(.cancelled) }
            defer { exchange.detach() }
            var reader = ResponseReader(
                connection: connection, deadline: deadline, cancel: cancel, maxBodyBytes: request.maxResponseBytes, readable: readable)
            do throws(HTTPClientError) {
                let outcome = try reader.read(method: request.method)
                if outcome.reusable { pool.checkIn(connection, for: key) }
                return .success(outcome.response)
            } catch {
                // Sent again only when it may be repeated (as Go's transport
                // decides), over another kept connection, or a new one.
                if !reader.receivedAnything, case .transport = error, Self.isReplayable(request) {
                    return perform(request, url: url, proxy: proxy, head: head, cancel: cancel, deadline: deadline, exchange: exchange, mayOpen: mayOpen)
                }
                return .failure(error)
            }
        }
        // Brief when the answer began to arrive; after a refused wait, the
        // thread's readied tasks go to others first.
        let read: Exchange.Outcome?? = await withTaskCancellationHandler {
            WorkerThreads.blockHere(brief: readable) { readAnswer($0, mayOpen: false) }
        } onCancel: {
            exchange.interrupt(with: .cancelled)
        }
        if let read {
            guard let read else { return nil }
            return exchange.settle(read)
        }
        // No room to block here: a worker reads it, and an interruption
        // resumes the caller at once, as for any request on a worker.
        return await onWorker(exchange) { readAnswer($0, mayOpen: true) ?? .failure(.transport("no connection")) }
    }

    /// Fails what is in flight with ``HTTPClientError/shutDown``, closes the
    /// idle connections and waits (up to 2 s) for the worker threads to end.
    public func shutdown() async {
        let exchanges = state.withLock { state -> [Exchange] in
            state.shutDown = true
            return Array(state.inFlight.values)
        }
        for exchange in exchanges { exchange.interrupt(with: .shutDown) }
        workers.stop()
        pool.close()
        let workers = self.workers
        _ = await DedicatedThread.run(name: "http-client-stop") { workers.waitForThreads(timeout: .seconds(2)) }
    }

    /// Worker threads alive, busy or idle (`aws_workspaces_http_client_threads`).
    public var threadCount: Int { workers.threadCount }

    /// Worker threads waiting for a request.
    var idleThreadCount: Int { workers.idleThreadCount }

    // MARK: On a worker thread

    /// The request over a kept connection, or a new one when `mayOpen`;
    /// nil only when it may not open one and no kept one is usable.
    private func perform(
        _ request: HTTPClientRequest, url: URLParts, proxy: ProxySettings.Proxy?, head: RequestHead, cancel: Cancellation,
        deadline: ContinuousClock.Instant, exchange: Exchange, mayOpen: Bool
    ) -> Exchange.Outcome? {
        guard ContinuousClock.now < deadline else { return .failure(.timedOut("waiting for a thread")) }
        let key = key(for: url, proxy: proxy)
        var message = head.bytes
        message += request.body
        do throws(HTTPClientError) {
            // A reused connection may have been closed by the server just now:
            // then the next idle one, or a new one. Each idle connection is
            // tried at most once, so this ends.
            while true {
                let reused = pool.checkOut(key)
                let connection: Connection
                if let reused {
                    connection = reused
                } else {
                    // Inline, only over a kept connection: opening one may
                    // wait in a DNS lookup that no deadline of ours ends.
                    guard mayOpen else { return nil }
                    Self.armTimeout(for: exchange, at: deadline, of: request.timeout)
                    connection = try open(url, proxy: proxy, deadline: deadline, cancel: cancel)
                }
                var reader = ResponseReader(connection: connection, deadline: deadline, cancel: cancel, maxBodyBytes: request.maxResponseBytes)
                var sent = false
                do throws(HTTPClientError) {
                    try cancel.check()
                    try connection.send(message, deadline: deadline, cancel: cancel)
                    sent = true
                    let outcome = try reader.read(method: request.method)
                    if outcome.reusable { pool.checkIn(connection, for: key) }
                    return .success(outcome.response)
                } catch {
                    // Sent again only when the server cannot have acted on it:
                    // not completely written, or a method that may be repeated
                    // (as Go's transport decides).
                    if reused != nil, !reader.receivedAnything, case .transport = error, !sent || Self.isReplayable(request) { continue }
                    throw error
                }
            }
        } catch {
            return .failure(error)
        }
    }

    private func key(for url: URLParts, proxy: ProxySettings.Proxy?) -> ConnectionPool.Key {
        ConnectionPool.Key(secure: url.secure, host: url.host, port: url.port, proxy: proxy)
    }

    /// The worker's waits end at the deadline, but a DNS lookup does not
    /// wait in them: before one, a timer is set that ends the request for
    /// its caller whatever the worker is still doing. (Only then: a timer per
    /// request on a pooled connection would cost more than the request.)
    private static func armTimeout(for exchange: Exchange, at deadline: ContinuousClock.Instant, of timeout: Duration) {
        let remaining = max(ContinuousClock.now.duration(to: deadline), .zero)
        let nanoseconds = Int(min(remaining / .nanoseconds(1), 86_400e9))
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [weak exchange] in
            exchange?.interrupt(with: .timedOut("the request's timeout of \(timeout) passed"))
        }
    }

    static func isReplayable(_ request: HTTPClientRequest) -> Bool {
        ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"].contains(request.method)
            || request.headers.contains { ["idempotency-key", "x-idempotency-key"].contains($0.name.lowercased()) }
    }

    /// A new connection to `url`, through the proxy's tunnel when there is one.
    private func open(_ url: URLParts, proxy: ProxySettings.Proxy?, deadline: ContinuousClock.Instant, cancel: Cancellation) throws(HTTPClientError) -> Connection {
        let connectDeadline = min(deadline, ContinuousClock.now.advanced(by: configuration.connectTimeout))
        let first = proxy?.address ?? url
        let connection = try Connection.open(host: first.host, port: first.port, deadline: connectDeadline, cancel: cancel)
        openedConnections.wrappingAdd(1, ordering: .relaxed)
        // An https:// proxy: TLS to the proxy first, verified like any server.
        if let proxy, proxy.address.secure {
            try connection.startTLS(host: proxy.address.host, credentials: try credentials().handle, deadline: connectDeadline, cancel: cancel)
        }
        guard url.secure else { return connection }
        if let proxy {
            try tunnel(connection, to: url, through: proxy, deadline: connectDeadline, cancel: cancel)
            if proxy.address.secure {
                try connection.startTunnelledTLS(host: url.host, credentials: try credentials().handle, deadline: connectDeadline, cancel: cancel)
                return connection
            }
        }
        try connection.startTLS(host: url.host, credentials: try credentials().handle, deadline: connectDeadline, cancel: cancel)
        return connection
    }

    /// `CONNECT host:port` through an HTTP proxy.
    private func tunnel(_ connection: Connection, to url: URLParts, through proxy: ProxySettings.Proxy, deadline: ContinuousClock.Instant, cancel: Cancellation) throws(HTTPClientError) {
        let authority = url.authority
        var text = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\nUser-Agent: \(configuration.userAgent)\r\n"
        if let authorization = proxy.authorization { text += "Proxy-Authorization: \(authorization)\r\n" }
        text += "\r\n"
        try connection.send(Array(text.utf8), deadline: deadline, cancel: cancel)
        // A refusal may carry a page of explanation: read it, then report the status.
        var reader = ResponseReader(connection: connection, deadline: deadline, cancel: cancel, maxBodyBytes: 64 * 1024)
        let answer = try reader.read(method: "CONNECT")
        guard (200..<300).contains(answer.response.status) else {
            throw .transport("the proxy \(proxy.address.hostHeader) refused the tunnel to \(authority): HTTP \(answer.response.status)")
        }
    }

    private func credentials() throws(HTTPClientError) -> TLSCredentials {
        let result = tlsCredentials.withLock { loaded -> Result<TLSCredentials, HTTPClientError> in
            if let loaded { return .success(loaded) }
            do throws(HTTPClientError) {
                let created = try TLSCredentials(caBundle: configuration.caBundle)
                loaded = created
                return .success(created)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}
