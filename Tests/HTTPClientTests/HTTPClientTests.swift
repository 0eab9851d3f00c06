import HTTPServer
import TestSupport
import Testing
@testable import HTTPClient

/// The libcurl client against the project's own server on loopback.
@Suite(.timeLimit(.minutes(1)))
struct HTTPClientTests {
    /// Answers with what it received; `/slow` waits; `/big` is large; `/status/N` answers N.
    struct Echo: HTTPHandler {
        func handle(_ request: HTTPRequest) async -> HTTPResponse {
            if request.path == "/slow" { try? await Task.sleep(for: .seconds(20)) }
            if request.path == "/big" { return HTTPResponse(status: 200, body: [UInt8](repeating: 65, count: 2 << 20)) }
            if request.path.hasPrefix("/status/"), let status = Int(request.path.dropFirst(8)) { return .text(status, "status") }
            return .text(200, "\(request.method) \(request.path) \(request.header("x-test") ?? "-") \(request.header("host") ?? "-")", headers: [("X-Reply", "yes")])
        }
    }

    func server() throws -> RunningServer {
        try RunningServer(configuration: .loopback(), handler: Echo())
    }

    @Test func sendsMethodHeadersAndBodyAndReturnsTheAnswer() async throws {
        let server = try server()
        let client = HTTPClient()
        let response = try await client.execute(HTTPClientRequest(
            method: "POST", url: "http://127.0.0.1:\(server.port)/path", headers: [("X-Test", "1"), ("Host", "example:99")], body: Array("body".utf8)))
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == "POST /path 1 example:99\n", "the given Host replaces curl's own")
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
        await #expect(throws: HTTPClientError.self) {
            try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/", headers: [("X-Bad", "a\r\nInjected: b")]))
        }
        await client.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(100))
    }

    @Test func cancellingTheTaskEndsTheRequestAtOnce() async throws {
        let server = try server()
        let client = HTTPClient()
        let clock = ContinuousClock()
        let start = clock.now
        let task = Task { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/slow")) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        await #expect { try await task.value } throws: { ($0 as? HTTPClientError) == .cancelled }
        #expect(start.duration(to: clock.now) < .seconds(5))
        await client.shutdown()
        await server.shutdown(gracePeriod: .milliseconds(100))
    }

    @Test func manyConcurrentRequestsShareTheLoop() async throws {
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
        let pending = Task { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/slow")) }
        try await Task.sleep(for: .milliseconds(200))
        await client.shutdown()
        await #expect { try await pending.value } throws: { ($0 as? HTTPClientError) == .shutDown }
        await #expect { try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/")) } throws: {
            ($0 as? HTTPClientError) == .shutDown
        }
        await server.shutdown(gracePeriod: .milliseconds(100))
    }
}
