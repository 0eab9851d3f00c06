import Foundation
import Synchronization
import TestSupport
import Testing
@testable import HTTPServer

/// Echoes the request back; `/slow` waits first and says when it started.
struct EchoHandler: HTTPHandler {
    let slowFor: Duration
    let started = SlowStarted()

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        if request.path == "/slow" {
            started.signal()
            try? await Task.sleep(for: slowFor)
        }
        let text = "\(request.method) \(request.path) \(request.header("X-Test") ?? "-")"
        return .text(200, text)
    }
}

/// Tells a test that a slow request is inside the handler, instead of a sleep.
final class SlowStarted: Sendable {
    private let state = Mutex<(count: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    func signal() {
        let waiters = state.withLock { state in
            state.count += 1
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let already = state.withLock { state -> Bool in
                if state.count > 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if already { continuation.resume() }
        }
    }
}

@Suite(.timeLimit(.minutes(1)))
struct HTTPServerTests {
    func start(slowFor: Duration = .seconds(30), _ configure: (inout HTTPServer.Configuration) -> Void = { _ in }) throws -> (RunningServer, EchoHandler) {
        var configuration = HTTPServer.Configuration.loopback()
        configure(&configuration)
        let handler = EchoHandler(slowFor: slowFor)
        return (try RunningServer(configuration: configuration, handler: handler), handler)
    }

    @Test func servesRequestsWithHeaders() async throws {
        let (server, _) = try start()
        let response = try await HTTPFetch.fetch("http://127.0.0.1:\(server.port)/path?query=1", headers: [("X-Test", "yes")])
        #expect(response.status == 200)
        #expect(response.text == "GET /path yes\n")
        #expect(response.headers["content-length"] == "14")
        await server.shutdown()
    }

    @Test func manyConcurrentRequests() async throws {
        let (server, _) = try start(slowFor: .milliseconds(100))
        let port = server.port
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<100 {
                group.addTask { try await HTTPFetch.fetch("http://127.0.0.1:\(port)/\(index % 2 == 0 ? "slow" : "fast")").status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.count == 100)
        #expect(statuses.allSatisfy { $0 == 200 })
        await server.shutdown()
    }

    @Test func drainingAnswersWhatIsStillRunningAndStops() async throws {
        let (server, handler) = try start(slowFor: .seconds(30))
        let port = server.port
        let pending = Task { try await HTTPFetch.fetch("http://127.0.0.1:\(port)/slow") }
        await handler.started.wait()
        let clock = ContinuousClock()
        let start = clock.now
        await server.shutdown(gracePeriod: .milliseconds(200))
        // Not the handler's 30 s: the grace period ended it (a loaded machine may take seconds).
        #expect(start.duration(to: clock.now) < .seconds(20))
        let response = try await pending.value
        #expect(response.status == 503)
        #expect(!FreePort.isListening(port))
    }

    @Test func drainingEndsAsSoonAsTheLastRequestIsDone() async throws {
        let (server, handler) = try start(slowFor: .milliseconds(300))
        let port = server.port
        let pending = Task { try await HTTPFetch.fetch("http://127.0.0.1:\(port)/slow") }
        await handler.started.wait()
        let clock = ContinuousClock()
        let start = clock.now
        await server.shutdown(gracePeriod: .seconds(60))
        #expect(try await pending.value.status == 200, "the request in flight finishes normally")
        #expect(start.duration(to: clock.now) < .seconds(30), "not the whole grace period")
    }

    @Test func twoListenersServeTheSameHandler() async throws {
        let (server, _) = try start { $0.listeners.append(.address(ListenAddress(host: "127.0.0.1", port: 0))) }
        #expect(server.server.ports.count == 2 && server.server.ports[0] != server.server.ports[1])
        for port in server.server.ports {
            #expect(try await HTTPFetch.fetch("http://127.0.0.1:\(port)/x").status == 200)
        }
        await server.shutdown()
    }

    @Test func portInUseIsAClearError() throws {
        let (first, _) = try start()
        #expect {
            _ = try HTTPServer(configuration: .init(listeners: [.address(ListenAddress(host: "127.0.0.1", port: first.port))]), handler: EchoHandler(slowFor: .zero))
        } throws: { error in
            "\(error)".contains("cannot listen on 127.0.0.1:\(first.port)") && "\(error)".contains("in use")
        }
    }

    @Test func anInheritedDescriptorMustBeAListeningSocket() throws {
        // Standard input is no socket: the error says so rather than MHD failing later.
        #expect {
            _ = try HTTPServer(configuration: .init(listeners: [.inherited(descriptor: 0)]), handler: EchoHandler(slowFor: .zero))
        } throws: { error in
            "\(error)".contains("not a") && "\(error)".contains("socket")
        }
    }
}
