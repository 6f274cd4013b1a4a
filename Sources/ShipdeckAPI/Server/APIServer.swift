import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import ShipdeckCore

/// Where the API listens. Loopback unless `allowRemote` is set explicitly.
public struct APIServerConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port.
    public var port: Int
    public var allowRemote: Bool

    public init(host: String = "127.0.0.1", port: Int = 0, allowRemote: Bool = false) {
        self.host = host
        self.port = port
        self.allowRemote = allowRemote
    }

    /// Whether `host` is a loopback address.
    public var isLoopback: Bool { host == "localhost" || host == "::1" || host.hasPrefix("127.") }

    /// Refuses a non-loopback address unless `allowRemote` was given.
    public func validate() throws {
        guard isLoopback || allowRemote else {
            throw ShipdeckError(.refused, "the API would listen on \(host), which is not a loopback address", field: "--listen",
                                hint: "add --allow-remote if other machines must reach this core")
        }
    }
}

/// The core's local HTTP API (Hummingbird): liveness, snapshot, the live event stream, commands and
/// Prometheus metrics, and PagerDuty's Events API (`POST /v2/enqueue`). Every route but `/healthz` and
/// `/v2/enqueue` (checked by routing key) needs the workspace's bearer token.
public final class APIServer: Sendable {
    public let url: String
    public let port: Int
    private let task: Task<Void, any Error>
    private let group: ServiceGroup

    private init(url: String, port: Int, task: Task<Void, any Error>, group: ServiceGroup) {
        self.url = url
        self.port = port
        self.task = task
        self.group = group
    }

    /// Starts listening and returns once the socket is bound.
    public static func start(core: WorkspaceCore, token: String, configuration: APIServerConfiguration, logger: Logger) async throws -> APIServer {
        try configuration.validate()
        if !configuration.isLoopback {
            logger.warning("the API listens on \(configuration.host):\(configuration.port), reachable from other machines; keep the token secret")
        }
        let metrics = APIMetrics()
        let router = Router()
        router.add(middleware: RequestLogMiddleware(logger: logger, metrics: metrics))
        router.add(middleware: TokenMiddleware(token: token, logger: logger, metrics: metrics))
        APIRoutes(core: core, metrics: metrics, logger: logger).register(on: router)

        let (bound, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "shipdeck"),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        // A service group so `stop` can shut the server down gracefully (open requests finish).
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var iterator = bound.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            _ = await task.result
            if case .failure(let error) = await task.result { throw APIServer.bindError(configuration, error) }
            throw ShipdeckError(.io, "the API did not start on \(configuration.host):\(configuration.port)")
        }
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        return APIServer(url: "http://\(host):\(port)", port: port, task: task, group: group)
    }

    static func bindError(_ configuration: APIServerConfiguration, _ error: any Error) -> ShipdeckError {
        ShipdeckError(.io, "cannot listen on \(configuration.host):\(configuration.port): \(error)",
                      hint: "choose another port with --port, or 0 for any free port")
    }

    /// Stops listening; open event streams end.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }
}
