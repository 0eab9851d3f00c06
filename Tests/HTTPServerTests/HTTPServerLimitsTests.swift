import Foundation
import PropertyBased
import TestSupport
import Testing
@testable import HTTPServer

/// Everything a client controls is bounded: request line and headers,
/// connections in all and per address, and how long a silent client may stay.
@Suite(.timeLimit(.minutes(2)))
struct HTTPServerLimitsTests {
    func start(_ configure: (inout HTTPServer.Configuration) -> Void = { _ in }) throws -> RunningServer {
        var configuration = HTTPServer.Configuration.loopback()
        configure(&configuration)
        return try RunningServer(configuration: configuration, handler: EchoHandler(slowFor: .seconds(30)))
    }

    /// Sends `raw` on a new connection and reads the answer, off the
    /// cooperative pool that the in-process server needs.
    func request(_ port: Int, _ raw: String, readTimeout: Duration = .seconds(5)) async throws -> (status: Int?, closed: Bool) {
        try await blocking {
            guard let connection = RawConnection(port: port, readTimeout: readTimeout) else { return (nil, true) }
            connection.send(Array(raw.utf8))
            let (bytes, closed) = connection.readAll(limit: 64 * 1024)
            return (RawConnection.status(of: bytes), closed)
        }
    }

    @Test func longURLGets414AndLongHeadersGet431() async throws {
        let server = try start { $0.maxHeaderBytes = 8 * 1024 }
        let longPath = "/" + String(repeating: "a", count: 20_000)
        #expect(try await request(server.port, "GET \(longPath) HTTP/1.1\r\nHost: x\r\n\r\n").status == 414)
        let bigHeader = "X-Big: " + String(repeating: "b", count: 20_000) + "\r\n"
        #expect(try await request(server.port, "GET / HTTP/1.1\r\nHost: x\r\n\(bigHeader)\r\n").status == 431)
        // Within the limit, all is well.
        #expect(try await request(server.port, "GET /\(String(repeating: "c", count: 2000)) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status == 200)
        await server.shutdown()
    }

    @Test func pastTheLimitTheOldestWaitingConnectionMakesRoom() async throws {
        let server = try start { $0.maxConnections = 3 }
        let port = server.port
        let held = (0..<3).compactMap { _ in RawConnection(port: port, readTimeout: .seconds(5)) }
        #expect(held.count == 3)
        // A new client is answered at once: the oldest idle connection is closed for it.
        let newcomer = try await request(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", readTimeout: .seconds(3))
        #expect(newcomer.status == 200)
        let oldestClosed = try await blocking { held[0].readAll(limit: 1024).closed }
        #expect(oldestClosed, "the first (oldest) held connection was evicted")
        await server.shutdown()
    }

    @Test func connectionsPerAddressAreLimited() async throws {
        let server = try start { $0.maxConnectionsPerIP = 2 }
        let held = (0..<2).compactMap { _ in RawConnection(port: server.port) }
        try await Task.sleep(for: .milliseconds(300))
        // Past the per-address limit MHD accepts and closes at once.
        let refused = try await request(server.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(refused.status == nil && refused.closed)
        #expect(held.count == 2)
        await server.shutdown()
    }

    @Test func aClientTricklingItsRequestIsCutOffByTheReadHeaderTimeout() async throws {
        let server = try start { $0.readHeaderTimeout = .seconds(1) }
        let port = server.port
        let (closed, waited) = try await blocking { () -> (Bool, Duration) in
            guard let connection = RawConnection(port: port, readTimeout: .milliseconds(200)) else { return (false, .zero) }
            let started = ContinuousClock.now
            // One byte every 200 ms: never silent, never done. The idle timeout
            // alone would wait for ever.
            for byte in Array("GET / HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8) {
                connection.send([byte])
                if connection.readAll(limit: 1024).closed { return (true, ContinuousClock.now - started) }
            }
            return (false, ContinuousClock.now - started)
        }
        #expect(closed)
        #expect(waited < .seconds(4), "closed within about the read-header timeout")
        await server.shutdown()
    }

    /// The sweeper sleeps until a connection's deadline, at most the shorter
    /// timeout, instead of waking every quarter of it: an idle server without
    /// a web config file does not wake it before then, and a silent
    /// connection is still closed at its read-header deadline.
    @Test func theSweeperWakesAtDeadlinesOnly() async throws {
        let server = try start { $0.readHeaderTimeout = .seconds(2) }
        let port = server.port
        try await Task.sleep(for: .milliseconds(1500))
        // A quarter of the timeout (the old pace) would have been 3 wake-ups.
        #expect(server.server.sweeper.wakeUpCount == 0)
        let (closed, waited) = try await blocking { () -> (Bool, Duration) in
            guard let connection = RawConnection(port: port, readTimeout: .seconds(8)) else { return (false, .zero) }
            let started = ContinuousClock.now
            return (connection.readAll(limit: 1024).closed, ContinuousClock.now - started)
        }
        #expect(closed)
        #expect(waited < .seconds(8), "closed at the read-header deadline, not by the client's read timeout")
        #expect(server.server.sweeper.wakeUpCount <= 4)
        await server.shutdown()
    }

    /// Random request lines, headers and bytes: whatever arrives, the server
    /// answers with a status or closes, and keeps serving the next client.
    @Test func survivesFuzzedRequests() async throws {
        let server = try start { $0.readHeaderTimeout = .seconds(2) }
        let port = server.port
        let token = Gen<Character?>.element(of: Array("GETPOSHADLUXM/-_.%?&=:;,\"'\\ \t\r\n\u{0}\u{7f}ÿé😀0123456789abcdefxyz{}[]")).compactMap { $0 }.string(of: 0...40)
        let bytes = Gen<UInt8>.value(in: 0...255).array(of: 0...300)
        let shape = Gen<Int>.int(in: 0...3)
        await propertyCheck(count: 300, input: shape, token, token, bytes) { shape, first, second, noise in
            let raw: [UInt8]
            switch shape {
            case 0: raw = Array("\(first) \(second) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
            case 1: raw = Array("GET /\(first) HTTP/1.1\r\n\(second): \(first)\r\nConnection: close\r\n\r\n".utf8)
            case 2: raw = Array("POST / HTTP/1.1\r\nHost: x\r\nX-\(first): \(second)\r\nContent-Length: \(noise.count)\r\nConnection: close\r\n\r\n".utf8) + noise
            default: raw = noise + Array("\r\n\r\n".utf8)
            }
            let answer = try? await blocking { () -> ([UInt8], Bool)? in
                guard let connection = RawConnection(port: port, readTimeout: .seconds(5)) else { return nil }
                connection.send(raw)
                return connection.readAll(limit: 64 * 1024)
            }
            guard let (reply, closed) = answer ?? nil else {
                Issue.record("connection refused: the server is down")
                return
            }
            if let status = RawConnection.status(of: reply) {
                #expect((200...599).contains(status))
            } else {
                #expect(closed, "neither an answer nor a close for \(raw.count) bytes")
            }
        }
        let check = try await HTTPFetch.fetch("http://127.0.0.1:\(port)/after")
        #expect(check.status == 200)
        await server.shutdown()
    }
}
