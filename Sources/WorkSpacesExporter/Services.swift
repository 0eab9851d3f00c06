import HTTPClient
import HTTPServer
import Logging
import ServiceLifecycle
import UnixSignals

/// The HTTP server as a service: serves until graceful shutdown begins, then
/// drains (503 to new requests, in-flight ones finish, at most `gracePeriod`).
struct HTTPServerService: Service {
    let server: HTTPServer
    let gracePeriod: Duration
    let logger: Logger

    func run() async throws {
        async let serving: Void = server.run()
        try? await gracefulShutdown()
        logger.info("shutting down: no new requests, finishing those in flight", metadata: ["grace_period": "\(gracePeriod)"])
        await server.drain(gracePeriod: gracePeriod)
        await serving
    }
}

/// SIGHUP reloads the configuration; SIGUSR1 and SIGUSR2 are logged and
/// otherwise ignored (their default action would end the process).
struct SignalService: Service {
    let signals: UnixSignalsSequence
    let reloader: ConfigReloader
    let logger: Logger

    func run() async throws {
        for await signal in signals.cancelOnGracefulShutdown() {
            if signal == .sighup {
                logger.info("SIGHUP: reloading the configuration")
                reloader.reload()
            } else {
                logger.info("ignoring a signal", metadata: ["signal": "\(signal)"])
            }
        }
    }
}

/// The AWS HTTP client's thread, stopped last: after the server no longer
/// starts collections that need it.
struct HTTPClientService: Service {
    let client: HTTPClient

    func run() async throws {
        try? await gracefulShutdown()
        await client.shutdown()
    }
}
