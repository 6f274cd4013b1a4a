import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A service's endpoint: an HTTP/1.1 reverse proxy that spreads requests over the service's
/// instances and lets the deployer switch the whole group at once.
///
/// Each client connection is bound to one backend connection, chosen round-robin when the client
/// connection sends its first request. Before every later request the connection checks the routing
/// generation; when it changed and its backend is no longer routed, it closes that upstream and
/// picks a current backend. So after `route(to:)` returns, no new request reaches the old group,
/// while requests already forwarded there finish normally; `inFlight(instanceID:)` tells the
/// deployer when an old instance has drained.
///
/// Client connections spread over the event loops of `group`; each one's upstream lives on the same
/// event loop, so forwarding never hops threads. Bodies stream both ways with backpressure (a side
/// stops reading while the other side's channel is not writable).
public final class ServiceProxy: Sendable {
    /// The service's name, used in the proxy's own error answers.
    public let label: String
    let host: String
    let requestedPort: Int
    let group: any EventLoopGroup

    private let loops: [ObjectIdentifier: ProxyLoopState]
    private let fallbackLoop: ProxyLoopState
    private let routing = Mutex<(generation: UInt64, backends: [ProxyBackend])>((0, []))
    private let listener = Mutex<(channel: (any Channel)?, port: Int?)>((nil, nil))

    /// The body of the 503 answered when no instance is routed.
    let noInstanceBody: ByteBuffer
    /// The body of the 502 answered when no routed instance accepts a connection or one drops it.
    let badGatewayBody: ByteBuffer
    /// The body of the 400 answered when a request cannot be parsed.
    let badRequestBody = ByteBuffer(string: "bad request: the proxy could not parse it\n")

    public init(label: String, host: String = "127.0.0.1", port: Int, group: any EventLoopGroup) {
        self.label = label
        self.host = host
        self.requestedPort = port
        self.group = group
        let cursor = RoundRobinCursor()
        var loops: [ObjectIdentifier: ProxyLoopState] = [:]
        for loop in group.makeIterator() { loops[ObjectIdentifier(loop)] = ProxyLoopState(cursor: cursor) }
        self.loops = loops
        self.fallbackLoop = ProxyLoopState(cursor: cursor)
        self.noInstanceBody = ByteBuffer(string: "no healthy instance of \(label)\n")
        self.badGatewayBody = ByteBuffer(string: "bad gateway: no instance of \(label) answered\n")
    }

    /// The state that connections on `eventLoop` use.
    func loopState(for eventLoop: any EventLoop) -> ProxyLoopState {
        loops[ObjectIdentifier(eventLoop)] ?? fallbackLoop
    }

    private var allLoopStates: [ProxyLoopState] { Array(loops.values) + [fallbackLoop] }

    /// Binds the listener (port 0 picks a free port; read it from `boundPort`).
    /// - Throws: `ShipdeckError` (`.io`) naming host and port when the bind fails, e.g. "port 8100 is in use".
    public func start() async throws {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    // Requests are decoded by NIO (llhttp); responses are written as the backend's bytes
                    // (ProxyUpstreamHandler), so there is no response encoder. Pipelined requests are
                    // queued by ProxyClientHandler (see there why), and it answers a malformed request 400.
                    try sync.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try sync.addHandler(ProxyClientHandler(proxy: self, loop: self.loopState(for: channel.eventLoop)))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: host, port: requestedPort).get()
        } catch {
            throw bindError(error)
        }
        listener.withLock { $0 = (channel, channel.localAddress?.port ?? requestedPort) }
    }

    private func bindError(_ error: any Error) -> ShipdeckError {
        let address = "\(host):\(requestedPort)"
        let reason: String
        switch (error as? IOError)?.errnoCode {
        case EADDRINUSE?: reason = "port \(requestedPort) is in use"
        case EACCES?: reason = "permission denied for port \(requestedPort)"
        case EADDRNOTAVAIL?: reason = "address \(host) is not available on this machine"
        default: reason = "\(error)"
        }
        return ShipdeckError(.io, "\(label) cannot listen on \(address): \(reason)",
                             hint: "stop what holds \(address) or give \(label) another port")
    }

    /// The port the listener is bound to (the requested one before `start()`).
    public var boundPort: Int { listener.withLock { $0.port } ?? requestedPort }

    /// Switches the active group: once this returns, new requests go only to `backends` (an empty
    /// list makes the proxy answer 503). Requests in flight elsewhere finish where they are.
    public func route(to backends: [ProxyBackend]) {
        let routed = backends.map(RoutedBackend.init)
        routing.withLock { routing in
            routing.generation += 1
            routing.backends = backends
            for loop in allLoopStates { loop.route(routed, generation: routing.generation) }
        }
    }

    /// The backends new requests go to.
    public var backends: [ProxyBackend] { routing.withLock { $0.backends } }

    /// Requests currently forwarded to (or connecting to) the instance `instanceID`.
    public func inFlight(instanceID: String) -> Int {
        allLoopStates.reduce(0) { $0 + $1.inFlight(instanceID: instanceID) }
    }

    /// Counters since start and latency percentiles over the recent window.
    public func stats() -> ProxyStats {
        var stats = ProxyStats()
        var latencies: [UInt64] = []
        for loop in allLoopStates {
            let snapshot = loop.snapshot()
            stats.requests += snapshot.requests
            stats.errors += snapshot.errors
            stats.inFlight += snapshot.inFlight
            latencies += snapshot.latencies
        }
        let percentiles = LatencyWindow.percentiles(latencies, [0.5, 0.99])
        stats.p50 = percentiles[0]
        stats.p99 = percentiles[1]
        return stats
    }

    /// Closes the listener, then every client connection (which closes its upstream).
    public func stop() async {
        let channel = listener.withLock { listener in
            defer { listener.channel = nil }
            return listener.channel
        }
        try? await channel?.close()
        for loop in allLoopStates {
            for connection in loop.connections { try? await connection.close() }
        }
    }
}
