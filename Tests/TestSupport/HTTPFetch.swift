import Foundation
public import HTTPClient

/// A response as tests look at it.
public struct FetchedResponse: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: [UInt8]
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// HTTP methods the tests send.
public enum HTTPMethod: String, Sendable {
    case GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH
}

/// Plain HTTP requests from tests, through the exporter's own HTTP client
/// (its own tests cover it). Nothing is decompressed, so gzip bodies arrive
/// exactly as sent, and no `Accept-Encoding` is added behind the test's back.
public enum HTTPFetch {
    public static let client = HTTPClient(configuration: .init(userAgent: "workspaces-exporter-tests"))

    public static func fetch(
        _ url: String, method: HTTPMethod = .GET, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> FetchedResponse {
        let request = HTTPClientRequest(
            method: method.rawValue, url: url, headers: headers.map { (name: $0.0, value: $0.1) }, body: body ?? [],
            timeout: timeout, maxResponseBytes: 64 << 20)
        let response = try await client.execute(request)
        var collected: [String: String] = [:]
        for (name, value) in response.headers {
            let key = name.lowercased()
            collected[key] = collected[key].map { "\($0), \(value)" } ?? value
        }
        return FetchedResponse(status: response.status, headers: collected, body: response.body)
    }
}
