/// Produces the response to a request. Called off MHD's polling thread, so it
/// may take as long as it needs (an AWS collection, say) without blocking other
/// connections.
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest) async -> HTTPResponse
}
