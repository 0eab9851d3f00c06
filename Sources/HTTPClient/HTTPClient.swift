import CCurl
import Support
import Synchronization

/// An HTTP/1.1 client over libcurl's multi interface, on one thread of its
/// own: every request of the process shares its keep-alive connections, DNS
/// cache and TLS sessions, and no request ever blocks Swift's cooperative pool.
///
/// libcurl honours `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` as the AWS SDKs
/// do. Redirects are not followed, and only `http` and `https` are spoken.
public final class HTTPClient: Sendable {
    /// Settings for every request of this client.
    public struct Configuration: Sendable {
        public var connectTimeout: Duration
        public var userAgent: String
        /// PEM bundle of trusted CAs (`AWS_CA_BUNDLE`); the system's when nil.
        public var caBundle: String?
        /// Idle connections kept for reuse.
        public var maxIdleConnections: Int

        public init(connectTimeout: Duration = .seconds(5), userAgent: String = "workspaces-exporter", caBundle: String? = nil, maxIdleConnections: Int = 64) {
            self.connectTimeout = connectTimeout
            self.userAgent = userAgent
            self.caBundle = caBundle
            self.maxIdleConnections = maxIdleConnections
        }
    }

    let loop: CurlLoop

    public init(configuration: Configuration = Configuration()) {
        loop = CurlLoop(configuration: configuration)
    }

    deinit {
        loop.requestStop()
    }

    /// Sends the request and returns the whole answer, whatever its status.
    /// Cancelling the calling task ends the request at once.
    public func execute(_ request: HTTPClientRequest) async throws(HTTPClientError) -> HTTPClientResponse {
        let transfer = CurlTransfer(request: request)
        let result: Result<HTTPClientResponse, HTTPClientError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                transfer.continuation.withLock { $0 = continuation }
                loop.submit(transfer)
            }
        } onCancel: {
            loop.cancel(transfer)
        }
        return try result.get()
    }

    /// Fails what is in flight with ``HTTPClientError/shutDown``, stops the
    /// thread and waits for it to end.
    public func shutdown() async {
        await loop.stop()
    }
}
