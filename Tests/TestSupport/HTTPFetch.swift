public import AsyncHTTPClient
import Foundation
public import NIOCore
public import NIOHTTP1

/// A response as tests look at it.
public struct FetchedResponse: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: [UInt8]
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// Plain HTTP requests from tests through AsyncHTTPClient, with decompression
/// off (unlike `HTTPClient.shared`) so gzip bodies arrive exactly as sent and
/// no `Accept-Encoding` is added behind the test's back.
public enum HTTPFetch {
    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(decompression: .disabled)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 128)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    public static func fetch(
        _ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: TimeAmount = .seconds(30)
    ) async throws -> FetchedResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: timeout)
        let buffer = try await response.body.collect(upTo: 64 << 20)
        var collected: [String: String] = [:]
        for (name, value) in response.headers {
            let key = name.lowercased()
            collected[key] = collected[key].map { "\($0), \(value)" } ?? value
        }
        return FetchedResponse(status: Int(response.status.code), headers: collected, body: Array(buffer.readableBytesView))
    }
}
