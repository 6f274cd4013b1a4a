#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix
import Synchronization

/// The health checker: a lean HTTP/1.1 client for `GET health.path` on SwiftNIO.
///
/// Connections are kept alive and pooled per host and port: a check takes an idle one, or opens a
/// new one when all are busy, and gives it back after a complete response. A connection is closed
/// after `Connection: close`, an error, a timeout, or a response it cannot read; one that stayed idle
/// longer than `idleTimeout` is closed when the pool next takes one back. A pooled connection the
/// server closed meanwhile is replaced once, within the same timeout. The request for each path is
/// built once. The response is read by a small parser (`CheckResponseParser`: status line,
/// `Content-Length`, chunked or until close, the body up to 64 KiB) straight from the socket's
/// buffers, with no HTTP codec in the pipeline, and the body's JSON by `HealthBody`.
///
/// A check runs on the event loop of its connection and its result comes back to the caller's
/// executor. A caller that runs its checks from a task on one of the group's loops
/// (`withTaskExecutorPreference(EventLoopTaskExecutor(loop))`) gets connections on that loop and no
/// thread hop at all. The calling task's cancellation does not cut a check short; its timeout does.
///
/// Judgement: a 2xx passes unless the body is a JSON object whose `status` says otherwise (`ok`,
/// `warning`/`warn`, `unknown`; any other text is CRITICAL; case-insensitive); any other code is
/// CRITICAL. The detail names the dependencies the body reports as not OK:
/// `200 status warning (db critical)`. A check cannot take longer than its timeout
/// (`timed out after 2 s`); a refused connection reads `connection refused`.
public final class HTTPCheckClient: HealthProbe, Sendable {
    /// Shared by the cores of one process.
    public static let shared = HTTPCheckClient()

    /// The longest body read; a longer one fails the check.
    public static let maxBody = 64 * 1024

    private let group: any EventLoopGroup
    private let pool: CheckPool

    /// Creates a client with its own pool.
    /// - Parameters:
    ///   - group: where connections live; the process-wide NIO group by default.
    ///   - maxIdlePerHost: idle connections kept per host and port; more are closed when returned.
    ///   - idleTimeout: an idle connection unused this long is closed.
    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, maxIdlePerHost: Int = 64,
                idleTimeout: Duration = .seconds(60)) {
        self.group = group
        pool = CheckPool(maxIdlePerHost: max(1, maxIdlePerHost), idleTimeout: TimeAmount(idleTimeout))
    }

    deinit { pool.shutdown() }

    /// Connections open now, busy or idle.
    public var openConnections: Int { pool.openConnections }

    /// Closes the idle connections; checks still work afterwards (they open new ones).
    public func closeIdleConnections() { pool.closeIdle() }

    public func check(host: String, port: Int, path: String, timeout: Duration) async -> ProbeResult {
        let started = NIODeadline.now()
        let deadline = started + TimeAmount(timeout)
        let endpoint = CheckPool.Endpoint(host: host, port: port)
        let (idle, request) = pool.acquire(endpoint, path: path, preferring: MultiThreadedEventLoopGroup.currentEventLoop)
        var outcome = await exchange(idle, endpoint: endpoint, request: request, deadline: deadline)
        // An idle connection the server closed meanwhile: once more on a new one.
        if case .failure(.stale) = outcome, NIODeadline.now() < deadline {
            outcome = await exchange(nil, endpoint: endpoint, request: request, deadline: deadline)
        }
        let duration = Double((NIODeadline.now() - started).nanoseconds) / 1e9
        return Self.judge(outcome, timeout: timeout, duration: duration)
    }

    // MARK: Exchange

    /// Runs one request on `connection`, or on a new connection when it is nil.
    private func exchange(_ connection: CheckConnection?, endpoint: CheckPool.Endpoint, request: ByteBuffer,
                          deadline: NIODeadline) async -> CheckHandler.Outcome {
        let pool = self.pool
        return await withUnsafeContinuation { (continuation: UnsafeContinuation<CheckHandler.Outcome, Never>) in
            /// On the connection's loop: sends, and gives the connection back once the response is read.
            @Sendable func run(_ connection: CheckConnection, reused: Bool) {
                connection.handler.value.start(request: request, deadline: deadline, reused: reused) { outcome, reusable in
                    if reusable { pool.release(connection) }
                    continuation.resume(returning: outcome)
                }
            }
            if let connection {
                // A task already running on the connection's loop (EventLoopTaskExecutor) needs no hop.
                if connection.channel.eventLoop.inEventLoop {
                    run(connection, reused: true)
                } else {
                    connection.channel.eventLoop.execute { run(connection, reused: true) }
                }
                return
            }
            let remaining = deadline - NIODeadline.now()
            guard remaining > .zero else {
                continuation.resume(returning: .failure(.timedOut))
                return
            }
            let bootstrap = ClientBootstrap(group: newConnectionLoop())
                .connectTimeout(remaining)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(CheckHandler(pool: pool, endpoint: endpoint))
                    }
                }
            let connected: EventLoopFuture<any Channel>
            if let address = try? SocketAddress(ipAddress: endpoint.host, port: endpoint.port) {
                connected = bootstrap.connect(to: address)
            } else {
                connected = bootstrap.connect(host: endpoint.host, port: endpoint.port)
            }
            connected.whenComplete { result in
                switch result {
                case .success(let channel):
                    guard let handler = try? channel.pipeline.syncOperations.handler(type: CheckHandler.self) else {
                        channel.close(promise: nil)
                        continuation.resume(returning: .failure(.other("no check handler")))
                        return
                    }
                    run(CheckConnection(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop), endpoint: endpoint),
                        reused: false)
                case .failure(let error):
                    continuation.resume(returning: .failure(Self.classify(error)))
                }
            }
        }
    }

    /// The caller's loop when it runs on one of the group's (its checks then need no hop), else the next one.
    private func newConnectionLoop() -> any EventLoop {
        if let current = MultiThreadedEventLoopGroup.currentEventLoop, group.makeIterator().contains(where: { $0 === current }) {
            return current
        }
        return group.next()
    }

    static func classify(_ error: any Error) -> CheckHandler.Failure {
        if let error = error as? ChannelError, case .connectTimeout = error { return .timedOut }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return .refused }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.contains(where: { classify($0.error) == .refused }) { return .refused }
            if error.connectionErrors.isEmpty, let dns = error.dnsAError ?? error.dnsAAAAError {
                return .other("cannot resolve \(error.host): \(dns)")
            }
        }
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return .refused }
        if text.contains("connectTimeout") { return .timedOut }
        return .other(text.count > 120 ? String(text.prefix(117)) + "…" : text)
    }

    // MARK: Judgement

    static func judge(_ outcome: CheckHandler.Outcome, timeout: Duration, duration: Double) -> ProbeResult {
        switch outcome {
        case .response(let response):
            let code = response.code
            if response.truncated {
                return ProbeResult(status: .critical, detail: "\(code) body over 64 KiB", duration: duration)
            }
            let body = response.body.readableBytes == 0 ? nil : response.body.withUnsafeReadableBytes { HealthBody.parse($0) }
            var status: CheckStatus = (200..<300).contains(code) ? .ok : .critical
            var detail = String(code)
            if let body {
                if let text = body.status {
                    if status == .ok { status = HealthBody.checkStatus(text) }
                    detail += " status "
                    detail += text
                }
                if !body.problems.isEmpty {
                    let shown = body.problems.prefix(5).map { "\($0.name) \($0.status)" }.joined(separator: ", ")
                    let more = body.problems.count > 5 ? ", +\(body.problems.count - 5) more" : ""
                    detail += " (\(shown)\(more))"
                }
            }
            return ProbeResult(status: status, detail: detail, duration: duration)
        case .failure(let failure):
            let detail: String
            switch failure {
            case .timedOut: detail = "timed out after \(describe(timeout))"
            case .refused: detail = "connection refused"
            case .stale: detail = "connection closed before a response"
            case .other(let text): detail = text
            }
            return ProbeResult(status: .critical, detail: detail, duration: duration)
        }
    }

    /// `2 s`, `1.5 s`, `250 ms`.
    static func describe(_ duration: Duration) -> String {
        let milliseconds = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        if milliseconds < 1000 { return "\(Int(milliseconds.rounded())) ms" }
        let tenths = (milliseconds / 100).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? "\(Int(tenths / 10)) s" : "\(tenths / 10) s"
    }
}

/// One pooled connection: its channel and the handler that runs its checks.
final class CheckConnection: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<CheckHandler>
    let endpoint: CheckPool.Endpoint
    var id: ObjectIdentifier { ObjectIdentifier(channel) }

    init(channel: any Channel, handler: NIOLoopBound<CheckHandler>, endpoint: CheckPool.Endpoint) {
        self.channel = channel
        self.handler = handler
        self.endpoint = endpoint
    }
}

/// The idle connections and prepared requests per host and port.
final class CheckPool: Sendable {
    struct Endpoint: Hashable, Sendable {
        var host: String
        var port: Int
    }

    private struct Host {
        var idle: [(connection: CheckConnection, since: NIODeadline)] = []
        var requests: [String: ByteBuffer] = [:]

        /// Takes the most recently used idle connection, one on `loop` if there is one.
        mutating func take(preferring loop: (any EventLoop)?) -> CheckConnection? {
            if let loop, let index = idle.lastIndex(where: { $0.connection.channel.eventLoop === loop }) {
                return idle.remove(at: index).connection
            }
            return idle.popLast()?.connection
        }

        /// Adds a connection to the idle ones unless there are `limit` already.
        mutating func keep(_ connection: CheckConnection, since: NIODeadline, limit: Int) -> Bool {
            guard idle.count < limit else { return false }
            idle.append((connection, since))
            return true
        }

        mutating func checkout(preferring loop: (any EventLoop)?, endpoint: Endpoint, path: String) -> (CheckConnection?, ByteBuffer) {
            (take(preferring: loop), request(endpoint, path: path))
        }

        mutating func request(_ endpoint: Endpoint, path: String) -> ByteBuffer {
            if let request = requests[path] { return request }
            let request = CheckPool.request(endpoint, path: path)
            requests[path] = request
            return request
        }
    }

    private struct State {
        var hosts: [Endpoint: Host] = [:]
        var open = 0
        var lastSweep = NIODeadline.now()
        var shutDown = false
    }

    private let state = Mutex(State())
    private let maxIdlePerHost: Int
    private let idleTimeout: TimeAmount

    init(maxIdlePerHost: Int, idleTimeout: TimeAmount) {
        self.maxIdlePerHost = maxIdlePerHost
        self.idleTimeout = idleTimeout
    }

    var openConnections: Int { state.withLock { $0.open } }

    /// The most recently used idle connection, one on `loop` if there is one (nil: open one), and the
    /// request for `path`.
    func acquire(_ endpoint: Endpoint, path: String, preferring loop: (any EventLoop)?) -> (CheckConnection?, ByteBuffer) {
        state.withLock { state in
            // One hash lookup: the host's entry is modified in place.
            state.hosts[endpoint, default: Host()].checkout(preferring: loop, endpoint: endpoint, path: path)
        }
    }

    /// `GET path HTTP/1.1` with the headers a health endpoint needs, built once per path.
    static func request(_ endpoint: Endpoint, path: String) -> ByteBuffer {
        let host = endpoint.host.contains(":") ? "[\(endpoint.host)]" : endpoint.host
        let target = path.hasPrefix("/") ? path : "/" + path
        return ByteBuffer(string: "GET \(target) HTTP/1.1\r\nHost: \(host):\(endpoint.port)\r\nUser-Agent: shipdeck-health\r\nAccept: application/json\r\n\r\n")
    }

    /// Takes back a connection after a complete keep-alive response (closes it when the pool is full).
    func release(_ connection: CheckConnection) {
        let now = NIODeadline.now()
        let (keep, expired) = state.withLock { state -> (Bool, [CheckConnection]) in
            var expired: [CheckConnection] = []
            if now - state.lastSweep > .seconds(5) {
                state.lastSweep = now
                let limit = now - idleTimeout
                for key in Array(state.hosts.keys) {
                    state.hosts[key]!.idle.removeAll { entry in
                        guard entry.since < limit else { return false }
                        expired.append(entry.connection)
                        return true
                    }
                }
            }
            guard !state.shutDown else { return (false, expired) }
            let kept = state.hosts[connection.endpoint, default: Host()].keep(connection, since: now, limit: maxIdlePerHost)
            return (kept, expired)
        }
        if !keep { connection.channel.close(promise: nil) }
        for connection in expired { connection.channel.close(promise: nil) }
    }

    func opened() {
        state.withLock { $0.open += 1 }
    }

    /// A connection went inactive: it leaves the idle list if it was there.
    func closed(_ endpoint: Endpoint, channel: ObjectIdentifier) {
        state.withLock { state in
            state.open -= 1
            state.hosts[endpoint]?.idle.removeAll { $0.connection.id == channel }
        }
    }

    func closeIdle() {
        let idle = state.withLock { state in
            defer { for key in Array(state.hosts.keys) { state.hosts[key]!.idle.removeAll() } }
            return state.hosts.values.flatMap { $0.idle.map(\.connection) }
        }
        for connection in idle { connection.channel.close(promise: nil) }
    }

    func shutdown() {
        state.withLock { $0.shutDown = true }
        closeIdle()
    }
}

/// Runs one check at a time on its connection: writes the request, parses the response, and
/// reports it once (or the failure: timeout, close, error, unreadable response).
final class CheckHandler: ChannelInboundHandler, NIOScheduledCallbackHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Failure: Error, Equatable {
        /// A reused connection closed before any byte of the response (the server dropped it while idle).
        case stale
        case timedOut
        case refused
        case other(String)
    }

    enum Outcome {
        case response(CheckResponse)
        case failure(Failure)
    }

    /// Called once per check with the outcome and whether the connection may serve another check.
    typealias Completion = (Outcome, Bool) -> Void

    private let pool: CheckPool
    private let endpoint: CheckPool.Endpoint
    private var context: ChannelHandlerContext?
    private var parser = CheckResponseParser(maxBody: HTTPCheckClient.maxBody)
    private var pending: ByteBuffer?
    private var completion: Completion?
    private var timer: NIOScheduledCallback?
    private var reused = false
    private var received = false
    private var lastError: (any Error)?
    private var active = false

    init(pool: CheckPool, endpoint: CheckPool.Endpoint) {
        self.pool = pool
        self.endpoint = endpoint
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        active = true
        pool.opened()
        context.fireChannelActive()
    }

    /// Sends the request; `completion` runs on the event loop with the outcome.
    func start(request: ByteBuffer, deadline: NIODeadline, reused: Bool, completion: @escaping Completion) {
        guard let context, context.channel.isActive else {
            completion(.failure(reused ? .stale : .other("connection closed")), false)
            return
        }
        self.completion = completion
        self.reused = reused
        received = false
        timer = try? context.eventLoop.assumeIsolated().scheduleCallback(at: deadline, handler: self)
        context.writeAndFlush(wrapOutboundOut(request), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard completion != nil else {
            // Bytes nobody asked for: the connection cannot be trusted.
            context.close(promise: nil)
            return
        }
        received = true
        if var earlier = pending {
            earlier.writeBuffer(&buffer)
            buffer = earlier
            pending = nil
        }
        switch parser.feed(&buffer) {
        case .needMore:
            if buffer.readableBytes > 0 { pending = buffer }
        case .done(var response):
            if buffer.readableBytes > 0 { response.keepAlive = false }
            finish(.response(response), reusable: response.keepAlive)
        case .invalid(let problem):
            finish(.failure(.other("unreadable response: \(problem)")), reusable: false)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        lastError = error
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if active { pool.closed(endpoint, channel: ObjectIdentifier(context.channel)) }
        active = false
        if completion != nil {
            if !received && reused {
                finish(.failure(.stale), reusable: false)
            } else if let lastError {
                finish(.failure(HTTPCheckClient.classify(lastError)), reusable: false)
            } else {
                switch parser.endOfStream() {
                case .done(let response): finish(.response(response), reusable: false)
                case .invalid(let problem): finish(.failure(.other(problem)), reusable: false)
                case .needMore: finish(.failure(.other("connection closed")), reusable: false)
                }
            }
        }
        self.context = nil
        context.fireChannelInactive()
    }

    func handleScheduledCallback(eventLoop: some EventLoop) {
        timer = nil
        guard completion != nil else { return }
        finish(.failure(.timedOut), reusable: false)
    }

    private func finish(_ outcome: Outcome, reusable: Bool) {
        timer?.cancel()
        timer = nil
        pending = nil
        let completion = self.completion
        self.completion = nil
        if !reusable {
            parser = CheckResponseParser(maxBody: HTTPCheckClient.maxBody)
            context?.close(promise: nil)
        }
        completion?(outcome, reusable)
    }
}
