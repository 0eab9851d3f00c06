import AsyncHTTPClient
import NIOCore

extension HTTPClient {
    /// Sends a request and collects the whole (bounded) body: what the small
    /// credential calls (STS, container, instance metadata) need.
    func collect(_ request: HTTPClientRequest, timeout: TimeAmount, limit: Int = 1 << 20) async throws -> (status: Int, body: [UInt8]) {
        let response = try await execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: limit)
        return (Int(response.status.code), Array(body.readableBytesView))
    }
}
