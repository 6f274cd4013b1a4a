import Foundation
import NIOCore
import NIOPosix

/// Persists and announces a fleet change (the core, which owns event order).
public protocol FleetRecorder: AnyObject, Sendable {
    func recordFleet(_ row: FleetRow) async
    func notice(_ text: String) async throws
    /// Persists nothing more (the engine stored it): announces a HARD or flapping change of a check.
    func recordHealth(_ event: HealthEvent) async
    /// A deploy ended (succeeded, failed or was cancelled).
    func deployFinished(_ deploy: DeployRecord) async
}

/// Runs the fleet: every service's stable endpoint (a proxy per service and environment), its
/// instances (started by a runtime, supervised, restarted when they crash, their output kept), and
/// zero-downtime group deploys with a health gate, a switch, a drain and rollback.
///
/// State per service and environment lives in a `Slot`; each change is published as one
/// `.fleetUpdated` row. Deploys of one slot run one at a time, in arrival order.
public actor FleetEngine {
    let config: WorkspaceConfig
    let store: any Store
    let clock: any ShipdeckClock
    let runtimes: [RuntimeKind: any InstanceRuntime]
    let probe: any HealthProbe
    let eventLoops: any EventLoopGroup
    weak var recorder: (any FleetRecorder)?
    var images: ImageRegistry { ImageRegistry(config: config, store: store, clock: clock) }

    struct Key: Hashable, Sendable, CustomStringConvertible {
        var service: String
        var environment: String
        var description: String { "\(service)/\(environment)" }
    }

    /// One running (or stopping) instance.
    struct Live: Sendable {
        var stored: StoredInstance
        var handle: InstanceHandle
        /// Stopped by a person or a deploy: never restarted.
        var retired = false
        /// Health probes passed in a row since the last failure.
        var passes = 0
        var lastUsage: (at: Date, cpu: Double)?
        var nextLogLine = 1
        var restartAt: Date?
        /// The instance's health check as Nagios keeps it (SOFT/HARD, attempts, flapping).
        var check = CheckState()
        var nextCheck: Date?
        /// A check of it is running now.
        var checking = false
        /// When the last result (active or passive) arrived, for freshness.
        var lastResultAt: Date?
        /// Recent perfdata values by label.
        var perf: [String: PerfSeries] = [:]
        var record: InstanceRecord {
            get { stored.record }
            set { stored.record = newValue }
        }
    }

    struct Slot: Sendable {
        var row: FleetRow
        var proxy: ServiceProxy?
        var instances: [String: Live] = [:]
        var route: FleetRoute?
        /// The previous active group, kept running for a quick rollback until `warmUntil`.
        var warmGroup: Int64?
        var warmUntil: Date?
        var busy = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        var lastStats: (at: Date, requests: UInt64, errors: UInt64)?
        var published: FleetRow?
        /// When an endpoint that could not listen is tried again, and how many times it failed.
        var endpointRetry: (at: Date, failures: Int)?
    }

    var slots: [Key: Slot] = [:]
    /// Scheduled downtimes (services and instances), as stored.
    var downtimes: [DowntimeRecord] = []
    var checksInFlight = 0
    var supervisor: Task<Void, Never>?
    var started = false
    var stopping = false

    public init(config: WorkspaceConfig, store: any Store, clock: any ShipdeckClock, runtimes: [RuntimeKind: any InstanceRuntime],
                probe: any HealthProbe, eventLoops: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.config = config
        self.store = store
        self.clock = clock
        self.runtimes = runtimes
        self.probe = probe
        self.eventLoops = eventLoops
        for row in SnapshotBuilder.fleet(config: config) {
            slots[Key(service: row.service, environment: row.environment)] = Slot(row: row)
        }
    }

    public func attach(_ recorder: any FleetRecorder) { self.recorder = recorder }

    /// The rows as they are now (the snapshot builder's starting point for an engine that runs).
    public func rows() -> [FleetRow] {
        SnapshotBuilder.fleet(config: config).compactMap { slots[Key(service: $0.service, environment: $0.environment)]?.row }
    }

    func runtime(for service: ServiceConfig) throws -> any InstanceRuntime {
        let kind = config.runtime(of: service)
        guard let runtime = runtimes[kind] else {
            throw ShipdeckError(.invalid, "no \(kind.rawValue) runtime is available for \(service.name)", field: "services.\(service.name).runtime",
                                hint: "use runtime: process, or install \(config.fleet.containerCLI)")
        }
        return runtime
    }

    func service(_ name: String) throws -> ServiceConfig {
        guard let service = config.service(named: name) else {
            throw ShipdeckError(.notFound, "there is no service '\(name)'", field: "service",
                                hint: Suggestion.hint(for: name, in: config.services.map(\.name)))
        }
        return service
    }

    func key(_ service: String, _ environment: String) throws -> Key {
        _ = try self.service(service)
        guard config.environment(named: environment) != nil else {
            throw ShipdeckError(.notFound, "there is no environment '\(environment)'", field: "environment",
                                hint: Suggestion.hint(for: environment, in: config.environments.map(\.name)))
        }
        return Key(service: service, environment: environment)
    }

    // MARK: - Start and stop

    /// Opens every endpoint, adopts the instances a previous core left running (the active groups'),
    /// stops the others, marks interrupted deploys failed, and starts supervising.
    public func start() async {
        guard !started else { return }
        started = true
        let routes = (try? await store.routes()) ?? []
        for route in routes {
            slots[Key(service: route.service, environment: route.environment)]?.route = route
        }
        for deploy in (try? await store.unfinishedDeploys()) ?? [] {
            var failed = deploy
            failed.outcome = .failed
            failed.finishedAt = clock.now
            failed.progress = nil
            failed.reason = "interrupted: Shipdeck stopped while it ran; traffic stayed on the previous group"
            _ = try? await store.saveDeploy(failed)
        }
        downtimes = (try? await store.downtimes()) ?? []
        await adopt()
        spreadFirstChecks()
        for key in sortedKeys { await openEndpoint(key) }
        for key in sortedKeys { await refreshHistory(key) }
        for key in sortedKeys { await publish(key) }
        supervisor = Task { [weak self] in await self?.supervise() }
    }

    /// Opens the endpoint of a service in an environment. When its port is taken, the row says so and
    /// supervision tries again (after 2 s, doubling up to 30 s) until it listens.
    func openEndpoint(_ key: Key) async {
        guard let row = slots[key]?.row, slots[key]?.proxy == nil else { return }
        let proxy = ServiceProxy(label: key.description, host: "127.0.0.1", port: row.port, group: eventLoops)
        do {
            try await proxy.start()
            guard !stopping else { return await proxy.stop() }
            let wasDown = slots[key]?.row.endpointError != nil
            slots[key]?.proxy = proxy
            slots[key]?.row.endpointError = nil
            slots[key]?.endpointRetry = nil
            applyRoute(key)
            if wasDown { try? await recorder?.notice("\(key.description) endpoint listens on :\(row.port) again") }
        } catch {
            let failures = (slots[key]?.endpointRetry?.failures ?? 0) + 1
            let delay = min(30, 2 * pow(2, Double(min(failures - 1, 4))))
            slots[key]?.row.endpointError = "\(error)"
            slots[key]?.endpointRetry = (clock.now.addingTimeInterval(delay), failures)
        }
    }

    /// Spreads the adopted instances' first checks over their interval (Nagios' smart inter-check
    /// delay), so a core that adopts a large fleet does not check it all in the same second.
    private func spreadFirstChecks() {
        let ids = instanceKeys
        let intervals = ids.compactMap { key, _ in config.service(named: key.service)?.health.interval }
        let spreading = CheckSpreading(intervals: intervals, maxSpread: 30)
        let now = clock.now
        for (index, (key, id)) in ids.enumerated() {
            slots[key]?.instances[id]?.nextCheck = now.addingTimeInterval(spreading.firstCheckOffset(index: index))
        }
    }

    /// Re-adopts what a previous core left: instances of active groups that still run are kept (and
    /// served again), everything else is stopped and forgotten.
    private func adopt() async {
        let stored = (try? await store.instances()) ?? []
        for instance in stored {
            let key = Key(service: instance.service, environment: instance.environment)
            let handle = InstanceHandle(processGroup: instance.processGroup, processStart: instance.processStart, container: instance.container)
            let runtime = RuntimeKind(rawValue: instance.runtime).flatMap { runtimes[$0] }
            let alive = await runtime?.liveness(handle) == .running
            let active = slots[key]?.route?.group == instance.record.group && instance.record.state != .stopped
            guard alive, active, slots[key] != nil else {
                if alive { await runtime?.stop(handle, grace: .seconds(config.fleet.stopGrace)) }
                try? await store.removeInstance(id: instance.record.id)
                continue
            }
            var live = Live(stored: instance, handle: handle)
            live.record.active = true
            live.record.state = .healthy
            live.record.health = .pending
            live.record.detail = "adopted after a restart of Shipdeck"
            if let check = instance.check {
                // The check goes on where it was: a HARD problem stays out of the endpoint until it recovers.
                live.check = check
                live.record.health = Self.health(check.status)
                if check.status != .ok && check.stateType == .hard { live.record.state = .unhealthy }
            }
            live.nextLogLine = ((try? await store.lastInstanceLogLine(instanceID: instance.record.id)) ?? 0) + 1
            slots[key]?.instances[instance.record.id] = live
        }
        // An active group whose instances are all gone is started again from its image.
        for key in sortedKeys {
            guard let route = slots[key]?.route,
                  slots[key]?.instances.values.contains(where: { $0.record.group == route.group }) == false else { continue }
            guard let image = try? await store.image(tag: route.image) else { continue }
            await startGroupAgain(key, image: image, group: route.group)
        }
    }

    /// Stops supervising, closes the endpoints, and stops every instance. The routes stay stored so
    /// the next start serves the same groups again.
    public func shutdown(stopInstances: Bool = true) async {
        stopping = true
        supervisor?.cancel()
        supervisor = nil
        for key in sortedKeys {
            let proxy = slots[key]?.proxy
            slots[key]?.proxy = nil
            await proxy?.stop()
        }
        guard stopInstances else { return }
        let grace = Duration.seconds(config.fleet.stopGrace)
        let stops: [(any InstanceRuntime, InstanceHandle)] = instanceKeys.compactMap { key, id in
            guard let live = slots[key]?.instances[id], let runtime = RuntimeKind(rawValue: live.stored.runtime).flatMap({ runtimes[$0] }) else { return nil }
            return (runtime, live.handle)
        }
        await withTaskGroup(of: Void.self) { group in
            for (runtime, handle) in stops { group.addTask { await runtime.stop(handle, grace: grace) } }
        }
        // The active groups' instances are remembered as stopped: the next start starts them again.
        for (key, id) in instanceKeys {
            guard let live = slots[key]?.instances[id] else { continue }
            if slots[key]?.route?.group == live.record.group {
                var stored = live.stored
                stored.processGroup = nil
                stored.container = nil
                stored.check = live.check.lastCheck == nil ? nil : live.check
                try? await store.saveInstance(stored)
            } else {
                try? await store.removeInstance(id: id)
            }
        }
    }

    // MARK: - Publishing

    /// Points the proxy at the healthy instances of the active group.
    func applyRoute(_ key: Key) {
        guard let slot = slots[key], let proxy = slot.proxy else { return }
        let backends = slot.instances.values
            .filter { $0.record.active && $0.record.state == .healthy && !$0.retired }
            .sorted { $0.record.id < $1.record.id }
            .map { ProxyBackend(instanceID: $0.record.id, host: "127.0.0.1", port: $0.record.port) }
        if backends != proxy.backends { proxy.route(to: backends) }
    }

    /// Rebuilds the slot's row and publishes it when it changed.
    func publish(_ key: Key) async {
        guard let row = refreshRow(key) else { return }
        await recorder?.recordFleet(row)
    }

    /// Rebuilds the slot's row; returns it when it differs from the one last published.
    private func refreshRow(_ key: Key) -> FleetRow? {
        guard let instances = slots[key]?.instances else { return nil }
        let records = instances.values.map(\.record).sorted { ($0.active ? 0 : 1, $0.group, $0.id) < ($1.active ? 0 : 1, $1.group, $1.id) }
        // Read first: an optional-chained assignment holds its write access to `slots` while its
        // right side runs, so the right side must not read `slots` too.
        let image = slots[key]?.route?.image
        slots[key]?.row.instances = records
        slots[key]?.row.image = image
        guard let row = slots[key]?.row, row != slots[key]?.published else { return nil }
        slots[key]?.published = row
        return row
    }

    /// Every slot's key, in a stable order (loops that suspend iterate this, never the dictionary).
    var sortedKeys: [Key] { slots.keys.sorted { $0.description < $1.description } }

    /// Every instance as (slot, id), in a stable order.
    var instanceKeys: [(Key, String)] {
        sortedKeys.flatMap { key in (slots[key]?.instances.keys.sorted() ?? []).map { (key, $0) } }
    }

    func refreshHistory(_ key: Key) async {
        guard let history = try? await store.deploys(service: key.service, environment: key.environment, limit: FleetRow.historyLength) else { return }
        slots[key]?.row.history = history.filter { $0.outcome != .running && $0.outcome != .queued }
        // Never `slots[key]?.x = await …`: an optional-chained assignment opens its write access to
        // `slots` before the right side runs, and holding it across the suspension lets another task
        // on this actor touch `slots` meanwhile (an exclusivity violation; heap corruption in release builds).
        let images = (try? await store.images(service: key.service, limit: 10)) ?? []
        let runs = (try? await store.runs(service: key.service, environment: key.environment, limit: 5)) ?? []
        slots[key]?.row.images = images
        slots[key]?.row.runs = runs
    }

    // MARK: - Queries

    /// The deploy history of a service in an environment, newest first.
    public func history(service: String, environment: String, limit: Int = 50) async throws -> [DeployRecord] {
        let key = try key(service, environment)
        return try await store.deploys(service: key.service, environment: key.environment, limit: limit)
    }

    /// An instance's stored log after `after`.
    public func log(instance: String, after: Int, limit: Int) async throws -> [LogLine] {
        let running = slots.values.contains { $0.instances[instance] != nil }
        let stored = try await store.lastInstanceLogLine(instanceID: instance)
        guard running || stored > 0 || instance.hasPrefix("run-") else {
            let ids = slots.values.flatMap { $0.instances.keys }
            throw ShipdeckError(.notFound, "there is no instance '\(instance)'", field: "instance", hint: Suggestion.hint(for: instance, in: ids))
        }
        await tailLogs(only: instance)
        return try await store.instanceLog(instanceID: instance, after: after, limit: limit)
    }

    /// Each open endpoint's counters since the core started, by `service/environment`.
    public func endpointStats() -> [String: ProxyStats] {
        var result: [String: ProxyStats] = [:]
        for (key, slot) in slots { if let proxy = slot.proxy { result[key.description] = proxy.stats() } }
        return result
    }

    /// The proxy of a service in an environment (tests, benchmarks).
    public func endpoint(service: String, environment: String) -> ServiceProxy? {
        slots[Key(service: service, environment: environment)]?.proxy
    }
}
