import NIOCore
import NIOHTTP1

/// The backend side of one client connection: last in the upstream channel's pipeline (after NIO's
/// request encoder), on the same event loop as its `ProxyClientHandler`. The backend's response is
/// read as bytes by an `UpstreamResponseReader` and handed to the client handler as raw pieces, so a
/// response is never decoded into header values and encoded again. It holds its own reads while
/// the client channel is not writable.
final class ProxyUpstreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// Cleared when the client handler lets go of this connection (or it closes), which also breaks
    /// the reference cycle between the two handlers.
    private var client: ProxyClientHandler?
    private var context: ChannelHandlerContext?
    private var readHeld = false
    private var reader = UpstreamResponseReader()

    init(client: ProxyClientHandler) {
        self.client = client
    }

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func write(_ part: HTTPClientRequestPart) {
        if case .head(let head) = part { reader.expectResponse(toHEAD: head.method == .HEAD) }
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
        var buffer = unwrapInboundIn(data)
        do {
            while let client, let event = try reader.next(&buffer) {
                switch event {
                case .head(let head):
                    reader.dechunk = client.dechunks(head)
                    // A small first body piece goes out with the head, in one write.
                    var following = try reader.next(&buffer)
                    var firstBody: ByteBuffer?
                    if case .body(let bytes)? = following, bytes.readableBytes <= Self.coalescedBodyLimit {
                        firstBody = bytes
                        following = nil
                    }
                    client.upstreamResponseHead(head, firstBody: firstBody)
                    if let following { deliver(following, to: client) }
                default:
                    deliver(event, to: client)
                }
            }
        } catch {
            // Not a response the proxy can pass on (or bytes after one): this connection is done. What
            // was passed on is flushed first, since a closed channel's read-complete never comes; the
            // client handler answers 502 or cuts its client off when it sees the close.
            client?.upstreamReadComplete()
            context.close(promise: nil)
        }
    }

    /// The largest first body piece copied into the head's buffer.
    static let coalescedBodyLimit = 16 * 1024

    private func deliver(_ event: UpstreamResponseReader.Event, to client: ProxyClientHandler) {
        switch event {
        case .informational(let bytes): client.upstreamInformational(bytes)
        case .head(let head): client.upstreamResponseHead(head, firstBody: nil)
        case .body(let bytes): client.upstreamResponseBody(bytes)
        case .end: client.upstreamResponseEnd()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        client?.upstreamReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        let client = self.client
        self.client = nil
        if reader.closed() { client?.upstreamResponseEnd() }
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
