import Foundation
import HTTPServer
import Synchronization
import TestSupport
import Testing
@testable import HTTPClient
import Support

/// The HTTP client against the project's own server on loopback, and against TLS and proxy servers made by the tests.
@Suite(.timeLimit(.minutes(1)))
struct HTTPClientTests {
    /// Answers with what it received; `/slow` waits; `/big` is large; `/status/N` answers N.
    struct Echo: HTTPHandler {
        func handle(_ request: HTTPRequest) async -> HTTPResponse {
            if request.path == "/slow" {
                HTTPClientTests.slowArrivals.increment()
                try? await Task.sleep(for: .seconds(20))
            }
            if request.path == "/big" { return HTTPResponse(status: 200, body: [UInt8](repeating: 65, count: 2 << 20)) }
            if request.path.hasPrefix("/status/"), let status = Int(request.path.dropFirst(8)) { return .text(status, "status") }
            return .text(200, "\(request.method) \(request.path) \(request.header("x-test") ?? "-") \(request.header("host") ?? "-")", headers: [("X-Reply", "yes")])
        }
    }

    /// Requests for `/slow` the servers have received: a test waits for its own to arrive, not a fixed time.
    static let slowArrivals = Counter()

    /// Waits until `/slow` has been asked once more than `before`.
    func waitForSlow(after before: Int) async throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(20))
        while Self.slowArrivals.value <= before, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    func server() throws -> RunningServer {
        try RunningServer(configuration: .loopback(), handler: Echo())
    }

    /// Counts the requests it is given.
    final class Counting: HTTPHandler {
        let count = Atomic<Int>(0)
        func handle(_ request: HTTPRequest) async -> HTTPResponse {
            count.wrappingAdd(1, ordering: .relaxed)
            return .text(200, "counted")
        }
    }

    @Test func sendsMethodHeadersAndBodyAndReturnsTheAnswer() async throws {
        let server = try server()
        let client = HTTPClient()
        let response = try await client.execute(HTTPClientRequest(
            method: "POST", url: "http://127.0.0.1:\(server.port)/path", headers: [("X-Test", "1"), ("Host", "example:99")], body: Array("body".utf8)))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "POST /path 1 example:99\n", "the given Host replaces the derived one")
        #expect(response.header("x-reply") == "yes" && response.header("X-REPLY") == "yes")
        for status in [404, 503] {
            #expect(try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/status/\(status)")).status == status)
        }
        await client.shutdown()
        await server.shutdown()
    }

    @Test func timeoutsLimitsAndRefusalsAreTyped() async throws {
        let server = try server()
        let client = HTTPClient()
        await #expect { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/slow", timeout: .milliseconds(300))) } throws: {
            if case .timedOut = $0 as? HTTPClientError { return true } else { return false }
        }
        await #expect { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/big", maxResponseBytes: 1 << 20)) } throws: {
            ($0 as? HTTPClientError) == .tooLarge(limit: 1 << 20)
        }
        await #expect { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(FreePort.next())/")) } throws: {
            if case .transport = $0 as? HTTPClientError { return true } else { return false }
        }
        await #expect { try await client.execute(HTTPClientRequest(url: "ftp://127.0.0.1/")) } throws: {
            if case .transport = $0 as? HTTPClientError { return true } else { return false }
        }
        await #expect { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/", headers: [("X-Bad", "a\r\nInjected: b")])) } throws: {
            guard case let .transport(detail) = $0 as? HTTPClientError else { return false }
            return detail.contains("invalid value for header X-Bad")
        }
        await client.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(100))
    }

    @Test func cancellingTheTaskEndsTheRequestAtOnce() async throws {
        let server = try server()
        let client = HTTPClient()
        let clock = ContinuousClock()
        let start = clock.now
        let before = Self.slowArrivals.value
        let task = Task { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/slow")) }
        try await waitForSlow(after: before)
        task.cancel()
        await #expect { try await task.value } throws: { ($0 as? HTTPClientError) == .cancelled }
        #expect(start.duration(to: clock.now) < .seconds(18), "the 20 s answer was not waited for")
        // The worker's wait was woken too: its thread is free long before the answer would come.
        let freed = clock.now.advanced(by: .seconds(15))
        while client.idleThreadCount == 0, clock.now < freed { try await Task.sleep(for: .milliseconds(10)) }
        #expect(client.idleThreadCount == 1, "the worker stopped waiting for the cancelled answer")
        // The same thread takes the next request, its wake descriptor drained: not cancelled.
        let next = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/after"))
        #expect(next.status == 200)
        #expect(client.threadCount == 1)
        await client.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(100))
    }

    /// A request made from a URL taken apart (an AWS endpoint's) goes where
    /// the parts say, without a parse; setting its URL text drops the parts.
    @Test func aRequestMadeFromURLPartsIsNotParsedAgain() async throws {
        let server = try server()
        let client = HTTPClient()
        let parts = try #require(URLParts("http://127.0.0.1:\(server.port)/parts?q=1"))
        var request = HTTPClientRequest(method: "POST", url: parts)
        #expect(request.parsedURL == parts && request.url == "http://127.0.0.1:\(server.port)/parts?q=1")
        let response = try await client.execute(request)
        #expect(String(decoding: response.body, as: UTF8.self) == "POST /parts - 127.0.0.1:\(server.port)\n", "the path (the server leaves the query apart)")
        request.url = "http://127.0.0.1:\(server.port)/text"
        #expect(request.parsedURL == nil)
        #expect(String(decoding: try await client.execute(request).body, as: UTF8.self) == "POST /text - 127.0.0.1:\(server.port)\n")
        await client.shutdown()
        await server.shutdown()
    }

    /// On a thread of a task pool, a request over a kept connection runs its
    /// I/O right there; the first, which opens the connection, takes a worker.
    @Test func onAPoolsThreadAKeptConnectionsRequestsRunInline() async throws {
        let server = try server()
        let client = HTTPClient()
        let pool = WorkerThreads(name: "test-tasks")
        let bodies = try await withTaskExecutorPreference(pool) { () async throws -> [String] in
            var bodies: [String] = []
            for index in 0..<3 {
                let response = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/\(index)"))
                bodies.append(String(decoding: response.body, as: UTF8.self))
            }
            return bodies
        }
        #expect(bodies == (0..<3).map { "GET /\($0) - 127.0.0.1:\(server.port)\n" })
        #expect(client.inlineRequests.load(ordering: .relaxed) == 2, "the second and third ran inline")
        #expect(client.connectionsOpened == 1)
        // From Swift's own pool, never inline.
        _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/pool"))
        #expect(client.inlineRequests.load(ordering: .relaxed) == 2)
        pool.stop()
        await client.shutdown()
        await server.shutdown()
    }

    /// A request waiting inline for its answer (its thread polls its socket
    /// beside others') ends at once when its task is cancelled, and when the
    /// client shuts down, as one on a worker does; after a cancellation the
    /// thread's wake descriptor is drained for its next request.
    @Test(arguments: [false, true])
    func anInlineRequestWaitingForItsAnswerEndsAtOnce(byShutdown: Bool) async throws {
        let server = try server()
        let client = HTTPClient()
        let pool = WorkerThreads(name: "test-tasks")
        let clock = ContinuousClock()
        _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/warm"))
        let before = Self.slowArrivals.value
        let start = clock.now
        let task = Task(executorPreference: pool) { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/slow")) }
        try await waitForSlow(after: before)
        if byShutdown { await client.shutdown() } else { task.cancel() }
        await #expect { try await task.value } throws: { ($0 as? HTTPClientError) == (byShutdown ? HTTPClientError.shutDown : HTTPClientError.cancelled) }
        #expect(start.duration(to: clock.now) < .seconds(18), "the 20 s answer was not waited for")
        #expect(client.inlineRequests.load(ordering: .relaxed) == 1, "the slow request ran inline")
        if !byShutdown {
            // The pool's next request (on the thread parked last: the same) is not cancelled.
            let next = try await Task(executorPreference: pool) {
                try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/after"))
            }.value
            #expect(next.status == 200)
            await client.shutdown()
        }
        pool.stop()
        await server.shutdown(gracePeriod: .milliseconds(100))
    }

    /// A listener whose accept queue is full: the kernel drops further SYNs,
    /// so a connect to it neither succeeds nor fails until the client gives up.
    final class FullAcceptQueue {
        let port: Int
        private let descriptors: [Int32]

        init() throws {
            var descriptors: [Int32] = []
            struct SetupError: Error { let message: String }
            func fail(_ what: String) -> any Error {
                let error = SetupError(message: "\(what): \(String(cString: strerror(errno)))")
                descriptors.forEach { close($0) }
                return error
            }
            let streamCloexec = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            let listener = socket(AF_INET, streamCloexec, 0)
            guard listener >= 0 else { throw fail("socket") }
            descriptors.append(listener)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0, listen(listener, 0) == 0 else { throw fail("bind or listen") }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
            }
            // Connect until one connection is left waiting for its handshake.
            for _ in 0..<16 {
                let client = socket(AF_INET, streamCloexec | Int32(SOCK_NONBLOCK.rawValue), 0)
                guard client >= 0 else { throw fail("socket") }
                descriptors.append(client)
                _ = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                var waiting = pollfd(fd: client, events: Int16(POLLOUT), revents: 0)
                if poll(&waiting, 1, 300) == 0 {
                    self.port = Int(UInt16(bigEndian: address.sin_port))
                    self.descriptors = descriptors
                    return
                }
            }
            errno = EAGAIN
            throw fail("the accept queue never filled (16 connections queued)")
        }

        deinit { descriptors.forEach { close($0) } }
    }

    @Test func theRequestsTimeoutBoundsAConnectThatGetsNoAnswer() async throws {
        let target = try FullAcceptQueue()
        let client = HTTPClient(configuration: .init(connectTimeout: .seconds(20)))
        let clock = ContinuousClock()
        let start = clock.now
        await #expect { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(target.port)/", timeout: .milliseconds(300))) } throws: {
            if case .timedOut = $0 as? HTTPClientError { return true } else { return false }
        }
        // Generous: the point is the 300 ms timeout, not the 20 s connect timeout.
        #expect(start.duration(to: clock.now) < .seconds(15))
        await client.shutdown()
        withExtendedLifetime(target) {}
    }

    /// A thread's wake descriptor is shared by its requests: a signal there
    /// that is not this request's (a socket wait of another task on the
    /// thread was cancelled) is drained, and the wait goes on; only the
    /// request's own raised flag cancels it.
    @Test func aSignalForAnotherTaskOfTheThreadDoesNotCancelARequest() throws {
        var socketEnds: [Int32] = [-1, -1], wakeEnds: [Int32] = [-1, -1]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &socketEnds) == 0)
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &wakeEnds) == 0)
        defer { [socketEnds[1], wakeEnds[0], wakeEnds[1]].forEach { close($0) } }
        let connection = Connection(descriptor: socketEnds[0])
        let flag = Cancellation.Flag()
        let cancel = Cancellation(descriptor: wakeEnds[0], flag: flag)
        var byte: UInt8 = 1
        _ = send(wakeEnds[1], &byte, 1, 0)
        _ = send(socketEnds[1], &byte, 1, 0)
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        #expect(throws: Never.self) { try connection.wait(for: Int16(POLLIN), deadline: deadline, cancel: cancel) }
        var pending = pollfd(fd: wakeEnds[0], events: Int16(POLLIN), revents: 0)
        #expect(poll(&pending, 1, 0) == 0, "the stray signal was drained")
        // This request's own cancellation: flag raised, then the signal.
        flag.raise()
        _ = send(wakeEnds[1], &byte, 1, 0)
        #expect(throws: Connection.Interruption.cancelled) { try connection.wait(for: Int16(POLLOUT) | Int16(POLLIN), deadline: deadline, cancel: cancel) }
    }

    @Test func aRequestCancelledBeforeItStartsIsNeverSent() async throws {
        let counting = Counting()
        let server = try RunningServer(configuration: .loopback(), handler: counting)
        let client = HTTPClient()
        let port = server.port
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await client.execute(HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(port)/", body: Array("{}".utf8)))
        }
        await #expect { try await task.value } throws: { ($0 as? HTTPClientError) == .cancelled }
        try await Task.sleep(for: .milliseconds(300))
        #expect(counting.count.load(ordering: .relaxed) == 0)
        #expect(client.openedConnections.load(ordering: .relaxed) == 0)
        await client.shutdown()
        await server.shutdown()
    }

    @Test func manyConcurrentRequestsAllGetAnswers() async throws {
        let server = try server()
        let client = HTTPClient()
        let port = server.port
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<200 {
                group.addTask { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/\(index)")).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.count == 200 && statuses.allSatisfy { $0 == 200 })
        await client.shutdown()
        await server.shutdown()
    }

    @Test func afterShutdownRequestsFailAtOnce() async throws {
        let server = try server()
        let client = HTTPClient()
        let before = Self.slowArrivals.value
        let pending = Task { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/slow")) }
        try await waitForSlow(after: before)
        await client.shutdown()
        await #expect { try await pending.value } throws: { ($0 as? HTTPClientError) == .shutDown }
        await #expect { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/")) } throws: {
            ($0 as? HTTPClientError) == .shutDown
        }
        await server.shutdown(gracePeriod: .milliseconds(100))
    }

    // MARK: Keep-alive

    @Test func anIdleConnectionTheServerClosedIsNotReused() async throws {
        // The server closes idle keep-alive connections after 200 ms: the
        // pooled connection is seen closed when taken, and a new one is made.
        var configuration = HTTPServer.Configuration.loopback()
        configuration.idleTimeout = .milliseconds(200)
        let server = try RunningServer(configuration: configuration, handler: Echo())
        let client = HTTPClient()
        for _ in 0..<3 {
            #expect(try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/again")).status == 200)
            try await Task.sleep(for: .milliseconds(600))
        }
        #expect(client.openedConnections.load(ordering: .relaxed) == 3)
        await client.shutdown()
        await server.shutdown()
    }

    /// On a pool's thread too: a kept connection the server closed is not
    /// used, and the request does not open one inline (a DNS lookup has no
    /// deadline of ours) but on a worker.
    @Test func onAPoolsThreadAClosedKeptConnectionIsReplacedByAWorker() async throws {
        var configuration = HTTPServer.Configuration.loopback()
        configuration.idleTimeout = .milliseconds(200)
        let server = try RunningServer(configuration: configuration, handler: Echo())
        let client = HTTPClient()
        let pool = WorkerThreads(name: "test-tasks")
        try await withTaskExecutorPreference(pool) {
            for _ in 0..<3 {
                #expect(try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/again")).status == 200)
                // Until the server has closed it: the kept connection reads as closed.
                try await Task.sleep(for: .milliseconds(600))
            }
        }
        #expect(client.openedConnections.load(ordering: .relaxed) == 3)
        #expect(client.inlineRequests.load(ordering: .relaxed) == 0, "each new connection was opened by a worker")
        pool.stop()
        await client.shutdown()
        await server.shutdown()
    }

    func rawServer(_ mode: String) async throws -> (ChildProcess, Int) {
        try await RawHTTPServer.start(mode)
    }

    @Test func aRequestOnAConnectionClosedUnansweredIsRetriedOnlyWhenRepeatable() async throws {
        // The pooled connection looks alive when taken, and the server closes
        // it on reading the request, answering nothing. A GET goes again on a
        // new connection; a POST (the server may have acted on it) does not.
        let (server, port) = try await rawServer("one-per-connection")
        defer { server.stop() }
        let client = HTTPClient()
        func get() async throws -> String {
            String(decoding: try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/")).body, as: UTF8.self)
        }
        let first = try await get()
        let second = try await get()
        #expect(second != first && second.hasPrefix("connection "), "sent again on a new connection")
        await #expect { try await client.execute(HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(port)/", body: Array("{}".utf8))) } throws: {
            if case .transport = $0 as? HTTPClientError { return true } else { return false }
        }
        #expect(client.openedConnections.load(ordering: .relaxed) == 2, "the POST was not sent again")
        await client.shutdown()
    }

    @Test func aFullPoolMakesRoomForTheConnectionJustUsed() async throws {
        // One idle connection at most: the one to the server used last is
        // kept, not one to a server used before (or gone since).
        let (first, firstPort) = try await rawServer("keep-alive")
        defer { first.stop() }
        let (second, secondPort) = try await rawServer("keep-alive")
        defer { second.stop() }
        let client = HTTPClient(configuration: .init(maxIdleConnections: 1))
        func body(_ port: Int) async throws -> String {
            String(decoding: try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/")).body, as: UTF8.self)
        }
        // (Each server's count starts where the start-up check's connection left it.)
        let firstConnection = try await body(firstPort)
        let secondConnection = try await body(secondPort)
        #expect(try await body(secondPort) == secondConnection, "the second server's connection was kept")
        #expect(try await body(firstPort) != firstConnection, "the first server's was evicted to make room")
        await client.shutdown()
    }

    @Test func answersAreFramedAsHTTP11Says() async throws {
        // (mode, status, body, connections for the two requests)
        for (mode, status, body, connections) in [
            ("chunked", 200, "hello 0123456789", 1), ("interim", 201, "done", 1), ("until-close", 200, "the whole rest", 2),
        ] {
            let client = HTTPClient()
            let (server, port) = try await rawServer(mode)
            for _ in 0..<2 {
                let response = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/"))
                #expect(response.status == status && String(decoding: response.body, as: UTF8.self) == body, "\(mode)")
            }
            #expect(client.openedConnections.load(ordering: .relaxed) == connections, "\(mode): kept alive only when framed")
            server.stop()
            await client.shutdown()
        }
        // HEAD, 204 and 304 have no body whatever Content-Length says: waiting
        // for one would hang, and the connection carries the next request.
        let noBody = HTTPClient()
        let (quiet, quietPort) = try await rawServer("no-body")
        for (method, path, status) in [("HEAD", "/", 200), ("GET", "/204", 204), ("GET", "/304", 304), ("GET", "/", 200)] {
            let response = try await noBody.execute(HTTPClientRequest(method: method, url: "http://127.0.0.1:\(quietPort)\(path)", timeout: .seconds(5)))
            #expect(response.status == status && response.body == (path == "/" && method == "GET" ? Array("ok".utf8) : []), "\(method) \(path)")
        }
        #expect(noBody.openedConnections.load(ordering: .relaxed) == 1)
        quiet.stop()
        await noBody.shutdown()
        let client = HTTPClient()
        for (mode, problem) in [("header-flood", "longer than allowed"), ("bad-status", "not an HTTP/1.x answer"),
                                ("short-body", "before its announced length"), ("two-lengths", "invalid Content-Length")] {
            let (server, port) = try await rawServer(mode)
            await #expect(performing: { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/")) }, throws: {
                guard case let .transport(detail) = $0 as? HTTPClientError else { return false }
                return detail.contains(problem)
            })
            server.stop()
        }
        await client.shutdown()
    }

    @Test func shutdownWaitsForTheWorkerThreads() async throws {
        let server = try server()
        let client = HTTPClient()
        _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/"))
        #expect(client.threadCount >= 1)
        await client.shutdown()
        #expect(client.threadCount == 0, "shutdown waits for the worker threads")
        await server.shutdown()
    }

    // MARK: TLS

    func tlsServer(_ certificates: TestCertificates, certificate: String = "server") throws -> RunningServer {
        var configuration = HTTPServer.Configuration.loopback()
        configuration.web = WebConfiguration(tls: TLSConfiguration(
            certificate: try String(contentsOfFile: certificates.path("\(certificate).pem"), encoding: .utf8),
            key: try String(contentsOfFile: certificates.path("\(certificate).key"), encoding: .utf8)))
        return try RunningServer(configuration: configuration, handler: Echo())
    }

    @Test func tlsVerifiesTheChainAndTheHostName() async throws {
        let certificates = try await TestCertificates.make()
        let server = try tlsServer(certificates)
        let trusting = HTTPClient(configuration: .init(caBundle: certificates.path("ca.pem")))
        for host in ["127.0.0.1", "localhost"] {
            for _ in 0..<3 {
                let response = try await trusting.execute(HTTPClientRequest(method: "POST", url: "https://\(host):\(server.port)/tls", body: Array("x".utf8)))
                #expect(response.status == 200 && String(decoding: response.body, as: UTF8.self).hasPrefix("POST /tls"), "\(host)")
            }
        }
        // One connection and one handshake per origin: the TLS 1.3 session
        // tickets that follow the handshake do not make a connection look used.
        #expect(trusting.openedConnections.load(ordering: .relaxed) == 2)
        func refusal(_ client: HTTPClient, _ url: String) async -> String? {
            do {
                _ = try await client.execute(HTTPClientRequest(url: url))
                return nil
            } catch {
                if case let .transport(detail) = error { return detail }
                return "\(error)"
            }
        }
        // Another CA, and the system's CAs (which do not hold the test CA).
        let untrusting = HTTPClient(configuration: .init(caBundle: certificates.path("other-ca.pem")))
        let untrusted = await refusal(untrusting, "https://127.0.0.1:\(server.port)/")
        #expect(untrusted?.contains("not trusted") == true, "\(untrusted ?? "accepted")")
        let system = HTTPClient()
        #expect(await refusal(system, "https://127.0.0.1:\(server.port)/")?.contains("not trusted") == true)
        let missing = HTTPClient(configuration: .init(caBundle: certificates.path("no-such-bundle.pem")))
        let noBundle = await refusal(missing, "https://127.0.0.1:\(server.port)/")
        #expect(noBundle?.contains("cannot load the CA bundle") == true, "\(noBundle ?? "accepted")")

        // Trusted CA, but the certificate names another host; and an expired one.
        // By IP address and by name (then with SNI), each refused.
        for (name, host, problem) in [
            ("server-other-host", "127.0.0.1", "does not match"), ("server-other-host", "localhost", "does not match"),
            ("server-expired", "localhost", "expired"),
        ] {
            let other = try tlsServer(certificates, certificate: name)
            let detail = await refusal(trusting, "https://\(host):\(other.port)/")
            #expect(detail?.contains(problem) == true, "\(name) at \(host): \(detail ?? "accepted")")
            await other.shutdown(gracePeriod: .milliseconds(100))
        }
        for client in [trusting, untrusting, system, missing] { await client.shutdown() }
        await server.shutdown(gracePeriod: .milliseconds(100))
    }

    // MARK: Proxies

    func proxy(credentials: String? = nil, tls: TestCertificates? = nil) async throws -> (ChildProcess, Int) {
        let script = PackagePaths.root.appendingPathComponent("Tests/Fixtures/http_proxy.py").path
        let python = PackagePaths.which("python3") ?? "/usr/bin/python3"
        let tlsArguments = tls.map { ["--tls", $0.path("server.pem"), $0.path("server.key")] } ?? []
        return try await ChildProcess.startServer { port in
            try ChildProcess(python, [script, "--port", String(port), "--resolve", "origin.test=127.0.0.1"] + (credentials.map { ["--credentials", $0] } ?? []) + tlsArguments)
        }
    }

    /// Issue 20: an https:// proxy was ignored and requests went direct. Now
    /// as curl: TLS to the proxy (verified), CONNECT inside it, and the
    /// origin's TLS inside that; plain HTTP goes in absolute form over the
    /// proxy's TLS. Several requests reuse the one connection.
    @Test func anHTTPSProxyCarriesTLSInsideTLS() async throws {
        let certificates = try await TestCertificates.make()
        let server = try tlsServer(certificates)
        let plain = try self.server()
        let (proxy, proxyPort) = try await proxy(credentials: "user:secret", tls: certificates)
        defer { proxy.stop() }
        let settings = ProxySettings(environment: [
            "HTTPS_PROXY": "https://user:secret@localhost:\(proxyPort)", "HTTP_PROXY": "https://user:secret@localhost:\(proxyPort)"])
        #expect(settings.unusable.isEmpty && settings.https?.address.secure == true)
        let client = HTTPClient(configuration: .init(caBundle: certificates.path("ca.pem"), proxies: settings))
        for round in 0..<3 {
            let tunnelled = try await client.execute(HTTPClientRequest(url: "https://origin.test:\(server.port)/tls-in-tls-\(round)"))
            #expect(tunnelled.status == 200)
            #expect(String(decoding: tunnelled.body, as: UTF8.self).hasPrefix("GET /tls-in-tls-\(round)"))
        }
        #expect(client.openedConnections.load(ordering: .relaxed) == 1, "one connection to the proxy, reused")
        let absolute = try await client.execute(HTTPClientRequest(url: "http://origin.test:\(plain.port)/absolute"))
        #expect(String(decoding: absolute.body, as: UTF8.self).hasPrefix("GET /absolute"))
        #expect(proxy.stdout.contains("CONNECT origin.test:\(server.port) auth=yes"), "\(proxy.stdout)")
        #expect(proxy.stdout.contains("GET http://origin.test:\(plain.port)/absolute auth=yes"), "\(proxy.stdout)")
        // A proxy whose certificate is not trusted is refused, nothing sent through it.
        let untrusting = HTTPClient(configuration: .init(proxies: settings))
        await #expect { try await untrusting.execute(HTTPClientRequest(url: "https://origin.test:\(server.port)/")) } throws: {
            "\($0)".contains("not trusted")
        }
        await client.shutdown()
        await untrusting.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(100))
        await plain.shutdown(gracePeriod: .milliseconds(100))
    }

    @Test func httpsGoesThroughAConnectTunnelWithProxyCredentials() async throws {
        let certificates = try await TestCertificates.make()
        let server = try tlsServer(certificates)
        let (proxy, proxyPort) = try await proxy(credentials: "user:p@ss word")
        defer { proxy.stop() }
        // The proxy resolves `origin.test` to 127.0.0.1 (the client never
        // resolves it); the server's certificate names it.
        let settings = ProxySettings(environment: ["HTTPS_PROXY": "http://user:p%40ss%20word@127.0.0.1:\(proxyPort)"])
        #expect(settings.https?.address.port == proxyPort)
        // Loopback goes direct whatever the settings say.
        let url = URLParts("https://localhost:\(server.port)/")
        #expect(url.flatMap { settings.proxy(for: $0) } == nil, "loopback never goes through a proxy")

        let client = HTTPClient(configuration: .init(caBundle: certificates.path("ca.pem"), proxies: settings))
        let tunnelled = try await client.execute(HTTPClientRequest(url: "https://origin.test:\(server.port)/via-proxy"))
        #expect(tunnelled.status == 200)
        #expect(proxy.stdout.contains("CONNECT origin.test:\(server.port) auth=yes"), "\(proxy.stdout)")

        let wrong = HTTPClient(configuration: .init(caBundle: certificates.path("ca.pem"), proxies: ProxySettings(environment: [
            "HTTPS_PROXY": "http://user:wrong@127.0.0.1:\(proxyPort)"])))
        await #expect { try await wrong.execute(HTTPClientRequest(url: "https://origin.test:\(server.port)/")) } throws: {
            guard case let .transport(detail) = $0 as? HTTPClientError else { return false }
            // The proxy's 407 comes with an HTML page: read, and the status reported.
            return detail.contains("refused the tunnel") && detail.contains("407")
        }
        await client.shutdown()
        await wrong.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(100))
    }

    @Test func plainHTTPGoesToTheProxyInAbsoluteFormAndNoProxyIsHonoured() async throws {
        let server = try server()
        let (proxy, proxyPort) = try await proxy()
        defer { proxy.stop() }
        let settings = ProxySettings(environment: ["http_proxy": "127.0.0.1:\(proxyPort)", "NO_PROXY": "direct.example, .skip.example"])
        let client = HTTPClient(configuration: .init(proxies: settings))
        let response = try await client.execute(HTTPClientRequest(url: "http://origin.test:\(server.port)/proxied"))
        #expect(String(decoding: response.body, as: UTF8.self).hasPrefix("GET /proxied"))
        #expect(proxy.stdout.contains("GET http://origin.test:\(server.port)/proxied auth=no"), "\(proxy.stdout)")
        for host in ["direct.example", "a.skip.example", "127.0.0.1", "169.254.170.2", "169.254.169.254", "fd00:ec2::23", "::1"] {
            let url = URLParts(host.contains(":") ? "http://[\(host)]:80/" : "http://\(host):80/")
            #expect(url.flatMap { settings.proxy(for: $0) } == nil, "\(host) goes direct")
        }
        #expect(URLParts("http://example.com/").flatMap { settings.proxy(for: $0) } != nil)
        // NO_PROXY entries as curl and the SDKs take them.
        for (entry, host, direct) in [
            ("::1", "10.0.0.1", false), ("::1", "::1", true), ("[::1]:8080", "::1", true), ("10.0.0.0/8", "10.1.2.3", true),
            ("10.0.0.0/8", "11.0.0.1", false), ("fd00::/8", "fd12::1", true), ("*.corp.example", "a.corp.example", true),
            ("*.corp.example", "corp.example", true), (".svc", "api.svc", true), ("internal:3128", "internal", true),
            ("example.com", "notexample.com", false), ("10.0.0.1", "10.0.0.10", false),
        ] {
            #expect(ProxySettings.matches(entry, host: host) == direct, "NO_PROXY=\(entry) for \(host)")
        }
        // A proxy of another scheme or a malformed URL is named, not used.
        let odd = ProxySettings(environment: ["HTTPS_PROXY": "socks5://proxy.example:1080", "HTTP_PROXY": "http://[::1"])
        #expect(odd.unusable == ["HTTPS_PROXY", "HTTP_PROXY"] && odd.isEmpty)
        await client.shutdown()
        await server.shutdown()
    }
}
