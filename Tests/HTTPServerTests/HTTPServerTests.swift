import Foundation
import TestSupport
import Testing
@testable import HTTPServer

/// Echoes the request back; `/slow` waits first, `/big` returns compressible text.
struct EchoHandler: HTTPHandler {
    let slowFor: Duration

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        if request.path == "/slow" { try? await Task.sleep(for: slowFor) }
        if request.path == "/big" {
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array(String(repeating: "metric 1\n", count: 5000).utf8), compressible: true)
        }
        let text = "\(request.method) \(request.path) \(request.header("X-Test") ?? "-")"
        return .text(200, text)
    }
}

@Suite(.timeLimit(.minutes(1)))
struct HTTPServerTests {
    func start(slowFor: Duration = .seconds(30)) throws -> HTTPServer {
        try HTTPServer(configuration: .init(address: ListenAddress(host: "127.0.0.1", port: 0)), handler: EchoHandler(slowFor: slowFor))
    }

    @Test func servesRequestsWithHeaders() async throws {
        let server = try start()
        let response = try await HTTPFetch.fetch("http://127.0.0.1:\(server.port)/path?query=1", headers: [("X-Test", "yes")])
        #expect(response.status == 200)
        #expect(response.text == "GET /path yes\n")
        #expect(response.headers["content-length"] == "14")
        await server.shutdown()
    }

    @Test func gzipOnlyWhenAccepted() async throws {
        let server = try start()
        let plain = try await HTTPFetch.fetch("http://127.0.0.1:\(server.port)/big")
        #expect(plain.headers["content-encoding"] == nil)
        #expect(plain.headers["vary"] == "Accept-Encoding")
        #expect(plain.body.count == 45_000)
        let zipped = try await HTTPFetch.fetch("http://127.0.0.1:\(server.port)/big", headers: [("Accept-Encoding", "gzip")])
        #expect(zipped.headers["content-encoding"] == "gzip")
        #expect(gunzip(zipped.body) == plain.body)
        await server.shutdown()
    }

    @Test func manyConcurrentRequests() async throws {
        let server = try start(slowFor: .milliseconds(100))
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

    @Test func shutdownAnswersSuspendedRequestsAndStops() async throws {
        let server = try start(slowFor: .seconds(30))
        let port = server.port
        let pending = Task { try await HTTPFetch.fetch("http://127.0.0.1:\(port)/slow") }
        // Shut down only once the request is suspended inside the server.
        while server.pendingCount() == 0 { try await Task.sleep(for: .milliseconds(10)) }
        let clock = ContinuousClock()
        let start = clock.now
        await server.shutdown(gracePeriod: .milliseconds(200))
        #expect(start.duration(to: clock.now) < .seconds(5))
        let response = try await pending.value
        #expect(response.status == 503)
        #expect(!FreePort.isListening(port))
    }

    @Test func portInUseIsAClearError() throws {
        let first = try start()
        #expect {
            _ = try HTTPServer(configuration: .init(address: ListenAddress(host: "127.0.0.1", port: first.port)), handler: EchoHandler(slowFor: .zero))
        } throws: { error in
            "\(error)".contains("cannot listen on 127.0.0.1:\(first.port)") && "\(error)".contains("in use")
        }
    }
}
