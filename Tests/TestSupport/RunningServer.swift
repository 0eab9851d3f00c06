public import HTTPServer

/// An ``HTTPServer`` started in-process on loopback by a test, with its
/// request loop running, shut down by ``shutdown(gracePeriod:)``.
public final class RunningServer: Sendable {
    public let server: HTTPServer
    let loop: Task<Void, Never>

    public init(configuration: HTTPServer.Configuration, handler: any HTTPHandler) throws {
        let server = try HTTPServer(configuration: configuration, handler: handler)
        self.server = server
        loop = Task { await server.run() }
    }

    /// The first listener's port.
    public var port: Int { server.port }

    /// Drains as the exporter does on SIGTERM, then waits for the loop to end.
    public func shutdown(gracePeriod: Duration = .seconds(5)) async {
        await server.drain(gracePeriod: gracePeriod)
        await loop.value
    }
}

extension HTTPServer.Configuration {
    /// A free loopback port, everything else by default.
    public static func loopback() -> HTTPServer.Configuration {
        // Bodies accepted: the HTTP client's tests send them (the exporter refuses any).
        HTTPServer.Configuration(listeners: [.address(ListenAddress(host: "127.0.0.1", port: 0))], maxBodyBytes: 1 << 20)
    }
}
