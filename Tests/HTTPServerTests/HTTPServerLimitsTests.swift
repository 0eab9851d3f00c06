import Foundation
import PropertyBased
import TestSupport
import Testing
@testable import HTTPServer

/// Everything a client controls is bounded: request line and headers,
/// connections in all and per address, and how long a silent client may stay.
@Suite(.timeLimit(.minutes(2)))
struct HTTPServerLimitsTests {
    func start(_ configure: (inout HTTPServer.Configuration) -> Void = { _ in }) throws -> HTTPServer {
        var configuration = HTTPServer.Configuration(address: ListenAddress(host: "127.0.0.1", port: 0))
        configure(&configuration)
        return try HTTPServer(configuration: configuration, handler: EchoHandler(slowFor: .seconds(30)))
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

    @Test func connectionsBeyondTheLimitWaitUntilOneEnds() async throws {
        let server = try start { $0.maxConnections = 3 }
        let port = server.port
        let held = (0..<3).compactMap { _ in RawConnection(port: port) }
        #expect(held.count == 3)
        // Let MHD accept the three before the fourth arrives.
        try await Task.sleep(for: .milliseconds(300))
        // MHD stops accepting at the limit: the fourth waits in the backlog, unanswered.
        let waiting = try await request(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", readTimeout: .seconds(1))
        #expect(waiting.status == nil && !waiting.closed)
        let answers = try await blocking {
            held.map { connection in
                connection.send(Array("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8))
                return RawConnection.status(of: connection.readAll().bytes)
            }
        }
        #expect(answers == [200, 200, 200])
        #expect(try await request(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status == 200)
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

    @Test func aSilentClientIsDisconnected() async throws {
        let server = try start { $0.connectionTimeout = 1 }
        let port = server.port
        let (bytes, closed, waited) = try await blocking { () -> ([UInt8], Bool, Duration) in
            guard let connection = RawConnection(port: port, readTimeout: .seconds(10)) else { return ([], false, .zero) }
            // Half a request line, then nothing: a slowloris.
            connection.send(Array("GET / HT".utf8))
            let started = ContinuousClock.now
            let (bytes, closed) = connection.readAll()
            return (bytes, closed, ContinuousClock.now - started)
        }
        #expect(closed)
        #expect(bytes.isEmpty || RawConnection.status(of: bytes) != 200)
        #expect(waited < .seconds(9), "closed by the idle timeout, not by the read timeout")
        await server.shutdown()
    }

    /// Random request lines, headers and bytes: whatever arrives, the server
    /// answers with a status or closes, and keeps serving the next client.
    @Test func survivesFuzzedRequests() async throws {
        let server = try start { $0.connectionTimeout = 2 }
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
