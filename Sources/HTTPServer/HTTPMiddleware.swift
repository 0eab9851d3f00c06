/// A stage every request passes before the handler: rate limiting, basic
/// authentication. Each either answers the request itself (429, 401) or
/// hands it on to `next`. The server runs the stages of the web config in
/// service when the request arrives (``WebConfigWatcher``).
public protocol HTTPMiddleware: Sendable {
    func respond(to request: HTTPRequest, next: @Sendable (HTTPRequest) async -> HTTPResponse) async -> HTTPResponse
}

extension Array where Element == any HTTPMiddleware {
    /// The answer of the stages in order, then of `handler`.
    func respond(to request: HTTPRequest, handler: any HTTPHandler) async -> HTTPResponse {
        await respond(to: request, from: startIndex, handler: handler)
    }

    private func respond(to request: HTTPRequest, from index: Int, handler: any HTTPHandler) async -> HTTPResponse {
        guard index < endIndex else { return await handler.handle(request) }
        return await self[index].respond(to: request) { request in
            await self.respond(to: request, from: index + 1, handler: handler)
        }
    }
}
