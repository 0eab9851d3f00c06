import AWSCore
import AWSWorkSpaces
import NIOCore
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects one HTTP request at a time and writes the emulator's reply.
final class EmulatorHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let api: EmulatorAPI
    let counters: EmulatorCounters
    let latency: Duration
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []

    init(api: EmulatorAPI, counters: EmulatorCounters, latency: Duration) {
        self.api = api
        self.counters = counters
        self.latency = latency
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case let .head(requestHead):
            head = requestHead
            body.removeAll(keepingCapacity: true)
        case var .body(buffer):
            if body.count < 1 << 20, let bytes = buffer.readBytes(length: buffer.readableBytes) {
                body += bytes
            }
        case .end:
            guard let requestHead = head else { return }
            head = nil
            respond(to: requestHead, context: context)
        }
    }

    private func respond(to requestHead: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = String(requestHead.uri.prefix { $0 != "?" })
        if path == "/emulator/stats" {
            let operations = api.operationCounts
            var writer = JSONWriter()
            writer.beginObject()
            writer.member("requests", operations.values.reduce(0, +))
            writer.member("connections", counters.connections.load(ordering: .relaxed))
            writer.key("operations")
            writer.beginObject()
            for (name, count) in operations.sorted(by: { $0.key < $1.key }) { writer.member(name, count) }
            writer.endObject()
            writer.endObject()
            write(.respond(status: 200, headers: [("Content-Type", "application/json")], body: writer.bytes), keepAlive: requestHead.isKeepAlive, context: context)
            return
        }
        var headers: [String: String] = [:]
        for (name, value) in requestHead.headers { headers[name.lowercased()] = value }
        let reply = api.handle(method: requestHead.method.rawValue, path: path, headers: headers, body: body)
        let keepAlive = requestHead.isKeepAlive
        if latency > .zero {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: TimeAmount(latency)) {
                let (handler, context) = loopBound.value
                handler.write(reply, keepAlive: keepAlive, context: context)
            }
        } else {
            write(reply, keepAlive: keepAlive, context: context)
        }
    }

    private func write(_ reply: EmulatorReply, keepAlive: Bool, context: ChannelHandlerContext) {
        switch reply {
        case let .respond(status, extraHeaders, bytes):
            var headers = HTTPHeaders(extraHeaders)
            headers.add(name: "Content-Length", value: String(bytes.count))
            headers.add(name: "x-amzn-RequestId", value: "emulated-request")
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
            let closeAfter = !keepAlive
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                if closeAfter { context.close(promise: nil) }
            }
        case .reset:
            // SO_LINGER 0 makes close() send a RST instead of a FIN.
            if let provider = context.channel as? any SocketOptionProvider {
                _ = provider.setSoLinger(linger(l_onoff: 1, l_linger: 0))
            }
            context.close(promise: nil)
        case let .truncated(bytes):
            var headers = HTTPHeaders([("Content-Type", "application/x-amz-json-1.1")])
            headers.add(name: "Content-Length", value: String(bytes.count * 2))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes))))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .stall:
            var headers = HTTPHeaders([("Content-Type", "application/x-amz-json-1.1")])
            headers.add(name: "Content-Length", value: "1048576")
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        }
    }
}
