import Foundation
import Logging
import ShipdeckCore

/// A running core with everything that makes it reachable: the workspace lock, the core actor, its
/// schedules and the local API. `shipdeck serve` runs one; a dashboard runs one in-process when no
/// core runs for its workspace.
public final class CoreHost: Sendable {
    public let core: WorkspaceCore
    public let server: APIServer
    public let holder: CoreHolder
    private let lock: WorkspaceLock
    private let schedules: Task<Void, Never>
    private let logger: Logger

    private init(core: WorkspaceCore, server: APIServer, holder: CoreHolder, lock: WorkspaceLock, schedules: Task<Void, Never>, logger: Logger) {
        self.core = core
        self.server = server
        self.holder = holder
        self.lock = lock
        self.schedules = schedules
        self.logger = logger
    }

    /// Takes the workspace's lock, opens the core and starts its API.
    /// - Parameters:
    ///   - api: where to listen; nil uses the config's `api:` section.
    /// - Throws: `ShipdeckError` (.refused) naming the running core when one already runs; config errors.
    public static func start(workspace: URL, mode: String, environment: [String: String], api: APIServerConfiguration? = nil,
                             logger: Logger) async throws -> CoreHost {
        let lock = try WorkspaceLock.acquire(workspace: workspace, holder: CoreHolder(mode: mode, startedAt: Date()))
        do {
            let core = try await WorkspaceCore.open(directory: workspace, environment: environment)
            let token = try APIToken.loadOrCreate(workspace: workspace)
            let configuration = api ?? APIServerConfiguration(host: core.config.api.listen, port: core.config.api.port)
            let server = try await APIServer.start(core: core, token: token, configuration: configuration, logger: logger)
            let holder = CoreHolder(mode: mode, startedAt: Date(), api: server.url)
            try lock.update(holder)
            let schedules = Task { await core.runSchedules() }
            await core.startEngines()
            logger.info("core for \(workspace.path) listening on \(server.url)")
            return CoreHost(core: core, server: server, holder: holder, lock: lock, schedules: schedules, logger: logger)
        } catch {
            lock.release()
            throw error
        }
    }

    /// Stops the API, the schedules and the core, then releases the lock.
    public func stop() async {
        logger.info("stopping the core")
        schedules.cancel()
        await core.stopEngines()
        await core.shutdown()
        await server.stop()
        lock.release()
        logger.info("core stopped")
    }
}
