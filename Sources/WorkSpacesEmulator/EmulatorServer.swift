import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The emulator's HTTP server on SwiftNIO, serving ``EmulatorAPI`` with the
/// configured latency and faults, plus `GET /emulator/stats` (requests per
/// operation and connection counts, for tests and benchmarks).
public final class EmulatorServer: Sendable {
    public let port: Int
    let channel: any Channel
    let counters: EmulatorCounters

    private init(port: Int, channel: any Channel, counters: EmulatorCounters) {
        self.port = port
        self.channel = channel
        self.counters = counters
    }

    /// Binds `host:port` (port 0: any free port) and starts serving.
    public static func start(host: String, port: Int, configuration: EmulatorConfiguration) async throws -> EmulatorServer {
        let api = EmulatorAPI(configuration: configuration)
        let counters = EmulatorCounters()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                counters.connections.add(1, ordering: .relaxed)
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(EmulatorHandler(api: api, counters: counters, latency: configuration.latency))
                }
            }
            .bind(host: host, port: port)
            .get()
        return EmulatorServer(port: channel.localAddress?.port ?? port, channel: channel, counters: counters)
    }

    /// Serves until the channel closes.
    public func waitUntilClosed() async throws {
        try await channel.closeFuture.get()
    }

    public func shutdown() async throws {
        try await channel.close()
    }
}

/// Counters shared by all connections.
final class EmulatorCounters: Sendable {
    let connections = Atomic<Int>(0)
}
