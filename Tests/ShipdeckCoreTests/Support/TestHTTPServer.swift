import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A small in-process HTTP/1.1 backend for the proxy tests, on a real loopback port. Routes:
/// - `GET /` (anything else): 200 with the server's id as the body
/// - `GET /slow`: like `/`, but answers only after `releaseSlow()`; `slowArrived()` awaits its arrival
/// - `POST /echo`: the request body back (sized)
/// - `GET /headers`: `x-forwarded-for` and `x-forwarded-proto` as seen, one per line
/// - `GET /close`: like `/`, but answers `Connection: close` and closes
/// - `GET /status/500`: 500 with the id
/// - `GET /chunked`: 1 MiB in 64 chunks, chunked transfer encoding
/// - `GET /cut`: a head promising 100 bytes, 10 bytes, then the connection closes
final class TestHTTPServer: Sendable {
    let id: String
    private let group: any EventLoopGroup
    private let channel: Mutex<(any Channel)?> = Mutex(nil)
    private let state = Mutex(State())

    private struct State {
        var requests = 0
        var openConnections = 0
        var slowReleased = false
        var slowResponders: [EventLoopPromise<Void>] = []
        var slowArrivals = 0
        var arrivalWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    init(id: String, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.id = id
        self.group = group
    }

    /// Starts on a free loopback port and returns it.
    @discardableResult
    func start() async throws -> Int {
        let bound = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(server: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        channel.withLock { $0 = bound }
        return bound.localAddress!.port!
    }

    var port: Int { channel.withLock { $0?.localAddress?.port ?? 0 } }

    var requests: Int { state.withLock { $0.requests } }

    var openConnections: Int { state.withLock { $0.openConnections } }

    func stop() async {
        let bound = channel.withLock { $0 }
        try? await bound?.close()
        releaseSlow()
    }

    /// Waits until `count` requests to `/slow` have arrived in total.
    func slowArrived(count: Int = 1) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.slowArrivals >= count { return true }
                state.arrivalWaiters.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Waits until no connection to this server is open.
    func connectionsClosed() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state in
                if state.openConnections == 0 { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Lets every waiting and future `/slow` request answer.
    func releaseSlow() {
        let responders = state.withLock { state in
            state.slowReleased = true
            defer { state.slowResponders = [] }
            return state.slowResponders
        }
        for responder in responders { responder.succeed() }
    }

    fileprivate func connectionOpened() {
        state.withLock { $0.openConnections += 1 }
    }

    fileprivate func connectionClosed() {
        let waiters = state.withLock { state in
            state.openConnections -= 1
            guard state.openConnections == 0 else { return [CheckedContinuation<Void, Never>]() }
            defer { state.idleWaiters = [] }
            return state.idleWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    fileprivate func requestArrived() {
        state.withLock { $0.requests += 1 }
    }

    /// Registers a `/slow` request; `responder` succeeds once released.
    fileprivate func slowRequest(_ responder: EventLoopPromise<Void>) {
        let (released, ready) = state.withLock { state in
            state.slowArrivals += 1
            let arrivals = state.slowArrivals
            let ready = state.arrivalWaiters.filter { $0.count <= arrivals }.map(\.continuation)
            state.arrivalWaiters.removeAll { $0.count <= arrivals }
            if !state.slowReleased { state.slowResponders.append(responder) }
            return (state.slowReleased, ready)
        }
        for waiter in ready { waiter.resume() }
        if released { responder.succeed() }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let server: TestHTTPServer
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(server: TestHTTPServer) { self.server = server }

        func channelActive(context: ChannelHandlerContext) {
            server.connectionOpened()
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            server.connectionClosed()
            context.fireChannelInactive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body.clear()
                server.requestArrived()
            case .body(var part):
                body.writeBuffer(&part)
            case .end:
                guard let head else { return }
                respond(to: head, context: context)
            }
        }

        private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
            switch head.uri {
            case "/slow":
                let promise = context.eventLoop.makePromise(of: Void.self)
                let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                promise.futureResult.whenSuccess {
                    let (handler, context) = loopBound.value
                    handler.send(.ok, ByteBuffer(string: handler.server.id), keepAlive: head.isKeepAlive, context: context)
                }
                server.slowRequest(promise)
            case "/echo":
                send(.ok, body, keepAlive: head.isKeepAlive, context: context)
            case "/headers":
                let forwardedFor = head.headers["x-forwarded-for"].joined(separator: ",")
                let proto = head.headers["x-forwarded-proto"].joined(separator: ",")
                send(.ok, ByteBuffer(string: "\(forwardedFor)\n\(proto)"), keepAlive: head.isKeepAlive, context: context)
            case "/close":
                send(.ok, ByteBuffer(string: server.id), keepAlive: false, context: context)
            case "/status/500":
                send(.internalServerError, ByteBuffer(string: server.id), keepAlive: head.isKeepAlive, context: context)
            case "/chunked":
                // No content-length: NIO frames it chunked. 64 × 16 KiB, flushed as it goes.
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok))), promise: nil)
                for index in 0..<64 {
                    let chunk = ByteBuffer(repeating: UInt8(ascii: "a") + UInt8(index % 26), count: 16 * 1024)
                    context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(chunk))), promise: nil)
                }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            case "/cut":
                var headers = HTTPHeaders()
                headers.add(name: "content-length", value: "100")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(repeating: 0x61, count: 10)))), promise: nil)
                context.close(promise: nil)
            default:
                send(.ok, ByteBuffer(string: server.id), keepAlive: head.isKeepAlive, context: context)
            }
        }

        private func send(_ status: HTTPResponseStatus, _ body: ByteBuffer, keepAlive: Bool, context: ChannelHandlerContext) {
            var headers = HTTPHeaders()
            headers.add(name: "content-length", value: String(body.readableBytes))
            if !keepAlive { headers.add(name: "connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                done.whenComplete { _ in loopBound.value.close(promise: nil) }
            }
        }
    }
}

/// Writes `text` to a fresh loopback connection and returns everything read until the peer closes
/// (for what an HTTP client library would hide, such as pipelined requests).
func exchangeRaw(_ text: String, port: Int) async throws -> String {
    let collector = RawCollector()
    let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
        }
        .connect(host: "127.0.0.1", port: port).get()
    try await channel.writeAndFlush(ByteBuffer(string: text)).get()
    try await channel.closeFuture.get()
    return collector.text
}
