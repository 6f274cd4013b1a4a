import NIOCore
import NIOHTTP1

/// The backend side of one client connection: last in the upstream channel's HTTP client pipeline,
/// on the same event loop as its `ProxyClientHandler`. It hands response parts to the client handler
/// and holds its own reads while the client channel is not writable.
final class ProxyUpstreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// Cleared when the client handler lets go of this connection (or it closes), which also breaks
    /// the reference cycle between the two handlers.
    private var client: ProxyClientHandler?
    private var context: ChannelHandlerContext?
    private var readHeld = false

    init(client: ProxyClientHandler) {
        self.client = client
    }

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func write(_ part: HTTPClientRequestPart) {
        context?.write(wrapOutboundOut(part), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    /// The client handler no longer wants this connection.
    func detachAndClose() {
        client = nil
        context?.close(promise: nil)
    }

    func clientBecameWritable() {
        if readHeld, let context {
            readHeld = false
            context.read()
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        client = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let client else { return }
        switch unwrapInboundIn(data) {
        case .head(let head): client.upstreamResponseHead(head)
        case .body(let body): client.upstreamResponseBody(body)
        case .end(let trailers): client.upstreamResponseEnd(trailers)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        client?.upstreamReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let client = self.client
        self.client = nil
        client?.upstreamClosed(self)
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { client?.upstreamBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if let client, !client.isWritable {
            readHeld = true
        } else {
            context.read()
        }
    }
}
