import NIOCore
import NIOHTTP1
import NIOPosix

/// One client connection of a `ServiceProxy`, last in the client channel's pipeline, after NIO's
/// request decoder (there is no response encoder: responses are written as bytes).
///
/// It forwards each request to the connection's upstream (`ProxyUpstreamHandler`, on the same event
/// loop) and the upstream's response back, as the backend's own bytes with only the status line's
/// version and the hop-by-hop headers rewritten. Reads are held (the outbound `read` is not passed on)
/// while the upstream is connecting or not writable, or while a pipelined request waits for the
/// response before it, so nothing piles up in memory. The handler queues pipelined requests itself
/// rather than using NIO's `HTTPServerPipelineHandler`, which holds the read after every request
/// and so costs two `epoll_ctl` calls per request. All state is touched on the channel's event loop only.
final class ProxyClientHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        /// Between requests.
        case idle
        /// A request is being forwarded and its response has not ended.
        case forwarding
        /// The response ended before the request did: the rest of the request body is dropped.
        case draining
    }

    private let proxy: ServiceProxy
    private let loop: ProxyLoopState
    private var context: ChannelHandlerContext?
    private var forwardedFor = ""

    // The backend this client connection is bound to, and its connection.
    private var bound: RoutedBackend?
    private var boundGeneration: UInt64 = 0
    private var upstream: ProxyUpstreamHandler?
    private var connecting = false
    private var upstreamNeedsFlush = false
    /// Request parts written while the upstream connects.
    private var pending: [HTTPClientRequestPart] = []
    /// Backends refused for the current request.
    private var tried: [ProxyBackend] = []

    // The request in progress.
    private var phase = Phase.idle
    private var startedAt: UInt64 = 0
    /// The instance whose in-flight count this request holds.
    private var counted: String?
    private var requestVersion = HTTPVersion.http1_1
    private var requestEnded = true
    private var responseStarted = false
    private var clientKeepAlive = true
    private var upstreamKeepAlive = true
    private var isError = false
    /// A body-less request, kept to resend once if a reused upstream closes before answering.
    private var resendable: HTTPRequestHead?
    private var readHeld = false
    /// Parts of requests that arrived while the response to an earlier one was still coming.
    private var pipelined: [HTTPServerRequestPart] = []
    /// A request could not be parsed: the connection closes after the response in progress.
    private var closeAfterResponse = false

    init(proxy: ServiceProxy, loop: ProxyLoopState) {
        self.proxy = proxy
        self.loop = loop
    }

    var isWritable: Bool { context?.channel.isWritable ?? false }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        loop.register(context.channel)
        forwardedFor = context.channel.remoteAddress?.ipAddress ?? ""
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if phase == .forwarding {
            // The client went away mid-request: the request is over, not the backend's fault.
            finishRequest()
        }
        dropUpstream()
        pending.removeAll()
        pipelined.removeAll()
        loop.unregister(context.channel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case ByteToMessageDecoderError.dataReceivedInErrorState = error {
            // More bytes after a request that could not be parsed: that error was handled already.
            return
        }
        guard error is HTTPParserError else { return context.close(promise: nil) }
        closeAfterResponse = true
        clientKeepAlive = false
        if phase == .forwarding && !requestEnded {
            // The request in flight is the malformed one (its body): 400 unless its answer has begun.
            if responseStarted { return context.close(promise: nil) }
            respondLocally(.badRequest, proxy.badRequestBody)
        } else if phase == .forwarding {
            // A later request is malformed: the one in flight is answered, then the connection closes
            // (requests queued behind it are dropped with it, as a client of pipelining expects).
            pipelined.removeAll()
        } else if phase == .draining {
            // The rest of an answered request's body is malformed: its answer is out; just close.
            context.close(promise: nil)
        } else {
            // Between requests: nothing else is owed to this client (and no request is counted).
            pipelined.removeAll()
            let answer = LocalAnswer.bytes(.badRequest, proxy.badRequestBody, versionMinor: 1, connection: "close",
                                           allocator: context.channel.allocator)
            context.writeAndFlush(wrapOutboundOut(answer)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if !pipelined.isEmpty || (phase == .forwarding && requestEnded) {
            pipelined.append(part)
        } else {
            process(part)
        }
    }

    private func process(_ part: HTTPServerRequestPart) {
        switch part {
        case .head(let head):
            beginRequest(head)
        case .body(let body):
            if phase == .forwarding {
                resendable = nil
                send(.body(.byteBuffer(body)))
            }
        case .end(let trailers):
            requestEnded = true
            switch phase {
            case .forwarding: send(.end(trailers))
            case .draining: phase = .idle
            case .idle: break
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushUpstream()
        context.fireChannelReadComplete()
    }

    /// One flush per batch of request parts written to the upstream.
    private func flushUpstream() {
        if upstreamNeedsFlush, let upstream {
            upstreamNeedsFlush = false
            upstream.flush()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { upstream?.clientBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if connecting || !pipelined.isEmpty || upstream.map({ !$0.isWritable }) == true {
            readHeld = true
        } else {
            context.read()
        }
    }

    // MARK: Requests

    private func beginRequest(_ head: HTTPRequestHead) {
        startedAt = NIODeadline.now().uptimeNanoseconds
        requestVersion = head.version
        clientKeepAlive = head.isKeepAlive && !closeAfterResponse
        requestEnded = false
        responseStarted = false
        upstreamKeepAlive = true
        isError = false
        tried.removeAll(keepingCapacity: true)
        phase = .forwarding

        switch loop.begin(bound: bound?.backend, generation: boundGeneration) {
        case .none:
            dropUpstream()
            bound = nil
            respondLocally(.serviceUnavailable, proxy.noInstanceBody)
            return
        case .keep(let generation):
            boundGeneration = generation
        case .use(let backend, let generation):
            dropUpstream()
            bound = backend
            boundGeneration = generation
        }
        counted = bound?.backend.instanceID

        let upstreamHead = head.forwarded(for: forwardedFor)
        let idempotent = head.method == .GET || head.method == .HEAD || head.method == .OPTIONS
        resendable = upstream != nil && idempotent ? upstreamHead : nil
        send(.head(upstreamHead))
        if upstream == nil && !connecting { connect() }
    }

    private func send(_ part: HTTPClientRequestPart) {
        if let upstream {
            upstream.write(part)
            upstreamNeedsFlush = true
        } else {
            pending.append(part)
        }
    }

    private func finishRequest() {
        loop.finish(instance: counted, startedAt: startedAt, now: NIODeadline.now().uptimeNanoseconds, isError: isError)
        counted = nil
        resendable = nil
        phase = requestEnded ? .idle : .draining
        if !pipelined.isEmpty, let context {
            // On the next loop turn, so the response's end is written first.
            context.eventLoop.assumeIsolated().execute { self.processPipelined() }
        }
    }

    private func processPipelined() {
        guard context?.channel.isActive == true, clientKeepAlive else { return pipelined.removeAll() }
        while !pipelined.isEmpty && !(phase == .forwarding && requestEnded) {
            process(pipelined.removeFirst())
        }
        flushUpstream()
        resumeHeldRead()
    }

    /// Ends the response to the client; closes the client connection after it when it asked to.
    private func endResponse() {
        guard let context else { return }
        finishRequest()
        let dropped = !upstreamKeepAlive || !requestEnded
        if dropped { dropUpstream() }
        if clientKeepAlive {
            // A dropped upstream's read-complete (which flushes) no longer reaches this handler: a backend
            // that answers `Connection: close` (busybox httpd) would leave the response unsent.
            if dropped { context.flush() }
        } else {
            // An empty write completes after everything written before it.
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }

    /// Answers the request from the proxy itself (502/503); counts as an error.
    private func respondLocally(_ status: HTTPResponseStatus, _ body: ByteBuffer) {
        guard let context else { return }
        isError = true
        upstreamKeepAlive = false
        responseStarted = true
        context.write(wrapOutboundOut(LocalAnswer.bytes(status, body, versionMinor: requestVersion.minor, connection: connectionHeader,
                                                        allocator: context.channel.allocator)), promise: nil)
        endResponse()
        context.flush()
        resumeHeldRead()
    }

    // MARK: Upstream connection

    private func connect() {
        guard let context, let target = bound else { return }
        connecting = true
        let client = NIOLoopBound(self, eventLoop: context.eventLoop)
        let bootstrap = ClientBootstrap(group: context.eventLoop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(5))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    // The request is encoded by NIO; the response is read as bytes (UpstreamResponseReader).
                    try sync.addHandler(HTTPRequestEncoder())
                    try sync.addHandler(ProxyUpstreamHandler(client: client.value))
                }
            }
        let connected = target.address.map { bootstrap.connect(to: $0) }
            ?? bootstrap.connect(host: target.backend.host, port: target.backend.port)
        connected.assumeIsolated().whenComplete { result in
            self.connectFinished(result, target: target.backend)
        }
    }

    private func connectFinished(_ result: Result<any Channel, any Error>, target: ProxyBackend) {
        connecting = false
        let stillWanted = context?.channel.isActive == true && phase == .forwarding && bound?.backend == target
        switch result {
        case .success(let channel) where stillWanted && channel.isActive:
            guard let handler = try? channel.pipeline.syncOperations.handler(type: ProxyUpstreamHandler.self) else {
                channel.close(promise: nil)
                return connectFailed(target)
            }
            upstream = handler
            for part in pending { handler.write(part) }
            pending.removeAll(keepingCapacity: true)
            handler.flush()
            upstreamBecameWritable()
        case .success(let channel):
            channel.close(promise: nil)
            if stillWanted { connectFailed(target) }
        case .failure:
            if stillWanted { connectFailed(target) }
        }
    }

    /// Tries the other routed backends before answering 502.
    private func connectFailed(_ target: ProxyBackend) {
        tried.append(target)
        if let (next, generation) = loop.retry(failed: target, tried: tried) {
            bound = next
            boundGeneration = generation
            counted = next.backend.instanceID
            connect()
        } else {
            counted = nil
            bound = nil
            pending.removeAll()
            respondLocally(.badGateway, proxy.badGatewayBody)
        }
    }

    private func dropUpstream() {
        guard let upstream else { return }
        self.upstream = nil
        upstreamNeedsFlush = false
        upstream.detachAndClose()
    }

    // MARK: Called by the upstream handler

    func upstreamBecameWritable() {
        resumeHeldRead()
    }

    /// Passes on a read held while the upstream was connecting or full, once neither holds.
    private func resumeHeldRead() {
        guard readHeld, !connecting, pipelined.isEmpty, let context else { return }
        if let upstream, !upstream.isWritable { return }
        readHeld = false
        context.read()
    }

    /// A 1xx head (100 Continue): passed on to an HTTP/1.1 client; the final head follows.
    func upstreamInformational(_ bytes: ByteBuffer) {
        guard phase == .forwarding, requestVersion.minor >= 1, let context else { return }
        context.write(wrapOutboundOut(bytes), promise: nil)
    }

    /// Whether the body after `head` must be sent without its chunk framing: an HTTP/1.0 client
    /// cannot read chunks, so it gets the body raw, ended by closing.
    func dechunks(_ head: UpstreamResponseHead) -> Bool {
        requestVersion.minor == 0 && head.framing == .chunked
    }

    /// The final head: passed on rewritten for the client, with `firstBody` (the start of the body,
    /// as `dechunks` asked for it) in the same write.
    func upstreamResponseHead(_ head: UpstreamResponseHead, firstBody: ByteBuffer?) {
        guard phase == .forwarding, let context else { return }
        resendable = nil
        upstreamKeepAlive = head.keepAlive
        isError = head.status >= 500
        let dechunk = dechunks(head)
        if dechunk || head.framing == .untilClose {
            // The end of the body is told by closing the client connection too.
            clientKeepAlive = false
        }
        responseStarted = true
        var bytes = head.forwarded(versionMinor: requestVersion.minor, dechunk: dechunk, connection: connectionHeader,
                                   reserving: firstBody?.readableBytes ?? 0, allocator: context.channel.allocator)
        if let firstBody { bytes.writeImmutableBuffer(firstBody) }
        context.write(wrapOutboundOut(bytes), promise: nil)
    }

    /// The `Connection` value a response to this client carries: `close` when the connection ends
    /// after it, `keep-alive` for an HTTP/1.0 client that keeps it, else none.
    private var connectionHeader: StaticString? {
        !clientKeepAlive ? "close" : requestVersion.minor == 0 ? "keep-alive" : nil
    }

    func upstreamResponseBody(_ body: ByteBuffer) {
        guard phase == .forwarding, let context else { return }
        context.write(wrapOutboundOut(body), promise: nil)
    }

    func upstreamResponseEnd() {
        guard phase == .forwarding else { return }
        endResponse()
    }

    func upstreamReadComplete() {
        context?.flush()
    }

    func upstreamClosed(_ handler: ProxyUpstreamHandler) {
        // Whatever it passed on goes out, even when its read-complete did not come.
        context?.flush()
        guard handler === upstream else { return }
        upstream = nil
        upstreamNeedsFlush = false
        guard phase == .forwarding, let context else { return }
        if !responseStarted, requestEnded, let head = resendable {
            // A reused connection the backend had already closed: send the request again, once.
            resendable = nil
            pending = [.head(head), .end(nil)]
            connect()
        } else if !responseStarted {
            if !requestEnded { clientKeepAlive = false }
            respondLocally(.badGateway, proxy.badGatewayBody)
        } else {
            // Cut off midway: the client cannot tell a short body from a whole one unless we close.
            isError = true
            finishRequest()
            context.close(promise: nil)
        }
    }
}
