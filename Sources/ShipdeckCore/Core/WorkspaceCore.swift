import Foundation

/// The in-process core: owns the workspace state, carries out commands and publishes events.
///
/// Open it with `open(directory:environment:clock:)`. Subscribers get a `.snapshot` event first, then
/// every change with strictly increasing sequence numbers; each published change is appended to the
/// store's event log under the same sequence number (the first snapshot carries the newest logged number).
///
/// On-call: the core does not run timers. The dashboard calls `refreshOnCall()` on its 1 Hz tick; it is
/// cheap and publishes a `.snapshot` only when a slot changed (so once per handoff or window edge).
/// `nextOnCallChange` tells a caller that prefers to sleep when that will be.
public actor WorkspaceCore: CoreClient {
    public nonisolated let config: WorkspaceConfig
    public nonisolated let store: any Store
    let clock: any ShipdeckClock
    private let loginName: String?
    private var current: WorkspaceSnapshot
    private var lastSequence: Int64
    private var subscribers: [UUID: AsyncStream<CoreEvent>.Continuation] = [:]
    private var busy = false
    /// After `shutdown` no new event stream opens (a late subscriber would keep the API from stopping).
    private var isShutDown = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    /// Runs builds; inert until `startEngines()` (a read-only open, like `shipdeck status`, never runs anything).
    public nonisolated let builds: BuildEngine
    /// Runs the instances, the service endpoints and the deploys; inert until `startEngines()`.
    public nonisolated let fleet: FleetEngine
    /// Turns health changes, failed deploys and builds, and Events API triggers into incidents and
    /// pages; its timers run after `startEngines()`.
    public nonisolated let alerts: AlertEngine
    /// Links commits to cards and moves cards as their changes reach test and prod.
    public nonisolated let board: BoardEngine
    /// Builds on the main branch whose outcome already raised or resolved an alert.
    var alertedBuilds: Set<Int64> = []

    private init(config: WorkspaceConfig, store: any Store, clock: any ShipdeckClock, loginName: String?,
                 snapshot: WorkspaceSnapshot, lastSequence: Int64, engines: EnginePorts) {
        self.config = config
        self.store = store
        self.clock = clock
        self.loginName = loginName
        self.current = snapshot
        self.lastSequence = lastSequence
        self.builds = BuildEngine(config: config, store: store, clock: clock, source: engines.pipelines,
                                  executor: engines.jobs, repos: engines.repositories)
        // The container runtime drives the CLI the config names; runtimes passed in replace the defaults.
        let runtimes: [RuntimeKind: any InstanceRuntime] = [.process: ProcessRuntime(), .container: ContainerRuntime(cli: config.fleet.containerCLI)]
        self.fleet = FleetEngine(config: config, store: store, clock: clock, runtimes: runtimes.merging(engines.runtimes) { $1 },
                                 probe: engines.probe)
        self.alerts = AlertEngine(config: config, store: store, clock: clock,
                                  notifier: engines.notifier ?? ChannelNotifier(directory: config.directory.path))
        self.board = BoardEngine(config: config, store: store, clock: clock, commitLog: engines.commitLog)
    }

    /// The engines' ways to reach the world; tests may pass their own.
    public struct EnginePorts: Sendable {
        public var pipelines: any PipelineSource
        public var jobs: any JobExecutor
        public var repositories: any RepositoryReader
        /// Merged over the defaults: `ProcessRuntime` and a `ContainerRuntime` on `fleet.container_cli`.
        public var runtimes: [RuntimeKind: any InstanceRuntime]
        public var probe: any HealthProbe
        /// nil: `ChannelNotifier` running commands in the workspace folder.
        public var notifier: (any Notifier)?
        /// Where the board reads the commits a build contains.
        public var commitLog: any CommitLog
        public init(pipelines: any PipelineSource = GitPipelineSource(), jobs: any JobExecutor = JobRunner(),
                    repositories: any RepositoryReader = Checkout(),
                    runtimes: [RuntimeKind: any InstanceRuntime] = [.process: ProcessRuntime()],
                    probe: any HealthProbe = HTTPCheckClient.shared, notifier: (any Notifier)? = nil,
                    commitLog: any CommitLog = GitCommitLog()) {
            self.notifier = notifier
            self.commitLog = commitLog
            self.pipelines = pipelines
            self.jobs = jobs
            self.repositories = repositories
            self.runtimes = runtimes
            self.probe = probe
        }
    }

    /// Starts the engines: recovers builds interrupted by a crash and watches the repos. Only the
    /// process that holds the workspace lock calls this.
    public func startEngines() async {
        await board.attach(self)
        await board.start(from: current)
        await alerts.attach(self)
        await alerts.start()
        await fleet.attach(self)
        await fleet.start()
        await builds.attach(self)
        await builds.attachDeployer(fleet)
        await builds.recover()
        await builds.startPolling()
        await startDemoBuildsIfPending()
    }

    /// A new demo builds each service once (deploying it to test, holding prod at the block).
    private func startDemoBuildsIfPending() async {
        guard (try? await store.setting(DemoWorkspace.firstBuildsSetting)) == "pending" else { return }
        try? await store.setSetting(DemoWorkspace.firstBuildsSetting, to: "started")
        for service in config.services {
            _ = try? await builds.start(service: service.name, message: "Demo: first build of \(service.name)", by: config.user, source: "demo")
        }
    }

    /// Stops the engines: running jobs are cancelled and their process groups terminated.
    public func stopEngines() async {
        await builds.shutdown()
        await fleet.shutdown()
        await alerts.stop()
        await board.stop()
    }

    /// Loads `DIRECTORY/shipdeck.yml`, opens (and migrates) the store, and builds the first snapshot.
    /// - Parameters:
    ///   - directory: the workspace folder.
    ///   - environment: process environment; see `EnvironmentOverrides`, and `USER` picks the current user
    ///     when neither `SHIPDECK_USER` nor `user:` does.
    ///   - clock: where time comes from.
    /// - Throws: `ShipdeckErrors` for config problems, `ShipdeckError` for store problems.
    public static func open(directory: URL, environment: [String: String], clock: any ShipdeckClock = SystemClock()) async throws -> WorkspaceCore {
        let config = try ConfigLoader.load(file: ShipdeckPaths.configFile(in: directory), environment: environment)
        let store = try SQLiteStore.open(at: config.databaseFile)
        return try await open(config: config, store: store, environment: environment, clock: clock)
    }

    /// Builds a core over an already loaded config and an open store (tests pass `SQLiteStore.inMemory()`).
    public static func open(config: WorkspaceConfig, store: any Store, environment: [String: String] = [:],
                            clock: any ShipdeckClock = SystemClock(), engines: EnginePorts = EnginePorts()) async throws -> WorkspaceCore {
        try await store.replacePeople(config.people.map(\.person))
        let login = environment["USER"]
        let snapshot = try await SnapshotBuilder.build(config: config, store: store, loginName: login, now: clock.now)
        return WorkspaceCore(config: config, store: store, clock: clock, loginName: login, snapshot: snapshot,
                             lastSequence: try await store.lastEventSequence(), engines: engines)
    }

    // MARK: - CoreClient

    public func snapshot() -> WorkspaceSnapshot { current }

    public func events() async -> AsyncStream<CoreEvent> { await events(after: nil) }

    /// Every change after `sequence` (replayed from the event log), then live ones; with nil, or a
    /// sequence the log does not hold, a `.snapshot` first. A client that reconnects with the last
    /// sequence it saw misses nothing and sees nothing twice.
    public func events(after sequence: Int64?) async -> AsyncStream<CoreEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: CoreEvent.self, bufferingPolicy: .unbounded)
        guard !isShutDown else {
            continuation.finish()
            return stream
        }
        await lock()
        defer { unlock() }
        guard !isShutDown else {
            continuation.finish()
            return stream
        }
        var replayed = false
        if let sequence, sequence <= lastSequence, let replay = try? await storedEvents(after: sequence) {
            for event in replay { continuation.yield(event) }
            replayed = true
        }
        if !replayed {
            continuation.yield(CoreEvent(sequence: lastSequence, at: clock.now, change: .snapshot(state: current)))
        }
        let id = UUID()
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    /// The logged events after `sequence`, decoded; nil when the log does not reach back that far.
    private func storedEvents(after sequence: Int64) async throws -> [CoreEvent]? {
        var events: [CoreEvent] = []
        var cursor = sequence
        let decoder = JSONDecoder()
        while cursor < lastSequence {
            let page = try await store.events(after: cursor, limit: 500)
            guard let first = page.first, events.isEmpty ? first.sequence == sequence + 1 : true else { return nil }
            for stored in page {
                let change = try decoder.decode(CoreEvent.Change.self, from: Data(stored.json.utf8))
                events.append(CoreEvent(sequence: stored.sequence, at: stored.at, change: change))
            }
            cursor = page.last!.sequence
        }
        return events
    }

    /// The number of live event subscribers (for `/metrics`).
    public var subscriberCount: Int { subscribers.count }

    /// The sequence number of the newest event.
    public var lastEventSequence: Int64 { lastSequence }

    @discardableResult
    public func perform(_ command: CoreCommand, as person: String) async throws -> CommandOutcome {
        let actor = try RolePolicy.authorize(command, as: person, in: config)
        // Build commands go to the engine without the core's lock: the engine records through it.
        switch command {
        case .startBuild(let service, let commit, let branch, let message):
            try await builds.start(service: service, commit: commit, branch: branch, message: message, by: actor.handle, source: "ui")
            return CommandOutcome()
        case .unblock(let service, let number, let job, let fields):
            try await builds.unblock(service: service, number: number, jobID: job, fields: fields, by: actor)
            return CommandOutcome()
        case .cancelBuild(let service, let number):
            try await builds.cancel(service: service, number: number, by: actor.handle)
            return CommandOutcome()
        case .retryJobs(let service, let number, let job):
            try await builds.retry(service: service, number: number, jobID: job, by: actor.handle)
            return CommandOutcome()
        case .deploy(let service, let environment, let image):
            try Self.requireSuccess(try await fleet.deploy(service: service, environment: environment, image: image, by: actor.handle, source: "ui"))
            return CommandOutcome()
        case .rollback(let service, let environment):
            try Self.requireSuccess(try await fleet.rollback(service: service, environment: environment, by: actor.handle))
            return CommandOutcome()
        case .restartInstance(let id):
            try await fleet.restart(instance: id, by: actor.handle)
            return CommandOutcome()
        case .stopInstance(let id):
            try await fleet.stop(instance: id, by: actor.handle)
            return CommandOutcome()
        case .runOneOff(let id, let service, let environment, let command):
            let run = try await fleet.runOneOff(id: id, service: service, environment: environment, command: command, by: actor.handle)
            try? await notice("\(actor.handle) ran `\(command)` against \(service) in \(environment): \(run.outcome ?? "")")
            if run.exitStatus != 0 {
                throw ShipdeckError(.io, "`\(command)` \(run.outcome ?? "failed")", field: "\(service)/\(environment)",
                                    hint: "its output is above; `shipdeck instance log \(id)` prints it again")
            }
            return CommandOutcome()
        case .forceCheck(let id):
            try await fleet.forceCheck(instance: id)
            return CommandOutcome()
        case .scheduleDowntime(let service, let environment, let instance, let duration, let window, let comment):
            _ = try await fleet.scheduleDowntime(service: service, environment: environment, instance: instance, duration: duration,
                                                 flexibleWindow: window, comment: comment, by: actor.handle)
            return CommandOutcome()
        case .cancelDowntime(let id):
            try await fleet.cancelDowntime(id: id)
            return CommandOutcome()
        case .submitCheckResult(let service, let environment, let instance, let status, let output):
            try await fleet.submit(service: service, environment: environment, instance: instance, status: status, output: output)
            return CommandOutcome()
        case .acknowledgeIncident(let id):
            _ = try await alerts.acknowledge(id: id, by: actor.handle)
            return CommandOutcome()
        case .resolveIncident(let id):
            _ = try await alerts.resolve(id: id, by: actor.handle)
            return CommandOutcome()
        case .noteIncident(let id, let text):
            _ = try await alerts.addNote(id: id, text: text, by: actor.handle)
            return CommandOutcome()
        case .snoozeIncident(let id, let seconds):
            _ = try await alerts.snooze(id: id, seconds: seconds, by: actor.handle)
            return CommandOutcome()
        case .alertEvent(let action, let key, let summary, let severity, let service, let environment):
            if action == .trigger && summary.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ShipdeckError(.invalid, "a trigger needs a summary", field: "summary", hint: "say what is wrong, e.g. \"orders p99 above 2 s\"")
            }
            if action != .trigger && key == nil {
                throw ShipdeckError(.invalid, "\(action.rawValue) needs the alert's dedup key", field: "dedup_key", hint: "pass --dedup-key KEY")
            }
            if let service, config.service(named: service) == nil {
                throw ShipdeckError(.notFound, "there is no service '\(service)'", field: "service",
                                    hint: Suggestion.hint(for: service, in: config.services.map(\.name)))
            }
            _ = try await alerts.ingest(AlertEvent(action: action, dedupKey: key, summary: summary, source: actor.handle, severity: severity,
                                                   integration: "cli", service: service, environment: environment, by: actor.handle))
            return CommandOutcome()
        case .moveCard, .deleteCard, .addCard, .editCard, .reorderCard, .assignCard, .importCards:
            return try await performBoard(command, as: actor)
        }
    }

    /// Turns a deploy that ended badly into the error its caller reports.
    static func requireSuccess(_ deploy: DeployRecord) throws {
        guard deploy.outcome != .succeeded else { return }
        throw ShipdeckError(.io, "deploy of \(deploy.image) to \(deploy.environment) \(deploy.outcome.rawValue): \(deploy.reason ?? "no reason recorded")",
                            field: "\(deploy.service)/\(deploy.environment)", hint: "the previous group keeps serving; see `shipdeck deploys \(deploy.service) --env \(deploy.environment)`")
    }

    /// Stores a build change and its event in one transaction, then delivers the event (the engine's
    /// only way to change state, so events keep the store's order).
    public func record(_ build: BuildRecord, plan: BuildPlan?, context: BuildContext?) async throws -> BuildRecord {
        let saved: Logged<BuildRecord>
        do {
            await lock()
            defer { unlock() }
            saved = try await store.saveBuild(build, plan: plan, context: context, log: { try Self.logEntry(.buildUpdated(build: $0)) })
            deliver(.buildUpdated(build: saved.value), sequence: saved.sequence, at: clock.now)
        }
        board.notify(.build(saved.value))
        await raiseAlert(for: saved.value)
        return saved.value
    }

    /// A job attempt's log lines after `after`, at most `limit`.
    public func log(service: String, number: Int, job: String, attempt: Int?, after: Int, limit: Int) async throws -> [LogLine] {
        guard let build = try await store.build(service: service, number: number) else {
            throw ShipdeckError(.notFound, "there is no build \(service)#\(number)")
        }
        guard let record = build.record.jobs.first(where: { $0.id == job }) else {
            throw ShipdeckError(.notFound, "\(build.record.name) has no job '\(job)'",
                                hint: Suggestion.hint(for: job, in: build.record.jobs.map(\.id)))
        }
        return try await store.log(buildID: build.record.id, jobID: job, attempt: attempt ?? record.attempt, after: after, limit: limit)
    }

    public func instanceLog(id: String, after: Int, limit: Int) async throws -> [LogLine] {
        try await fleet.log(instance: id, after: after, limit: limit)
    }

    public func checkDetail(instance id: String) async throws -> CheckDetail {
        try await fleet.checkDetail(instance: id)
    }

    // MARK: - More for the app and CLI

    /// Recomputes the on-call slots for the clock's current time; publishes a `.snapshot` and returns
    /// true when any slot changed. Call it on the dashboard's 1 Hz tick.
    @discardableResult
    public func refreshOnCall() async throws -> Bool {
        let slots = OnCallSchedule(config: config.onCall).slots(at: clock.now)
        guard slots != current.onCall else { return false }
        await lock()
        defer { unlock() }
        var next = current
        next.onCall = slots
        try await publish(.snapshot(state: next), at: clock.now)
        return true
    }

    /// When the next on-call slot changes, for callers that schedule instead of ticking.
    public func nextOnCallChange() -> Date? {
        OnCallSchedule(config: config.onCall).nextChange(after: clock.now)
    }

    /// Keeps time-driven state current (on-call hand-offs and hours windows) until the task is
    /// cancelled: sleeps until the next change (at most a minute, so a changed clock is noticed), then
    /// refreshes. Nothing runs between changes.
    public func runSchedules() async {
        while !Task.isCancelled {
            let wait = min(60, max(0.5, nextOnCallChange()?.timeIntervalSince(clock.now) ?? 60))
            do { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) } catch { return }
            _ = try? await refreshOnCall()
        }
    }

    /// A card's history, oldest first.
    /// - Throws: `ShipdeckError` (.notFound) when there is no such card and it has no history.
    public func cardHistory(id: String) async throws -> [CardHistoryEntry] {
        let history = try await store.history(cardID: id)
        if history.isEmpty, try await store.card(id: id) == nil { throw Self.noCard(id) }
        return history
    }

    /// Publishes a one-line notice (shown in the status line) to every subscriber.
    public func notice(_ text: String) async throws {
        await lock()
        defer { unlock() }
        try await publish(.notice(text: text), at: clock.now)
    }

    /// Ends every event stream (call before exiting).
    public func shutdown() {
        isShutDown = true
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }

    // MARK: - Publishing

    /// Logs `change`, folds it into the snapshot and sends it to every subscriber. Callers hold the lock,
    /// so sequence numbers reach subscribers in order.
    func publish(_ change: CoreEvent.Change, at date: Date) async throws {
        let entry = try Self.logEntry(change)
        let sequence = try await store.appendEvent(at: date, kind: entry.kind, json: entry.json)
        deliver(change, sequence: sequence, at: date)
    }

    /// The event-log entry for `change`.
    static func logEntry(_ change: CoreEvent.Change) throws -> LogEntry {
        LogEntry(kind: kind(of: change), json: String(decoding: try JSONEncoder().encode(change), as: UTF8.self))
    }

    /// `.incidentUpdated`'s entry around the incident's JSON as the store wrote it (what `logEntry`
    /// would nest there, up to the order of keys), so the incident is not encoded twice.
    static func incidentLogEntry(json: String) -> LogEntry {
        LogEntry(kind: "incidentUpdated", json: #"{"incidentUpdated":{"incident":"# + json + "}}")
    }

    /// Folds an already logged change into the snapshot and sends it to every subscriber.
    func deliver(_ change: CoreEvent.Change, sequence: Int64?, at date: Date) {
        guard let sequence else { return }
        lastSequence = sequence
        current.apply(change)
        let event = CoreEvent(sequence: sequence, at: date, change: change)
        for continuation in subscribers.values { continuation.yield(event) }
    }

    static func kind(of change: CoreEvent.Change) -> String {
        switch change {
        case .snapshot: return "snapshot"
        case .cardUpdated: return "cardUpdated"
        case .cardDeleted: return "cardDeleted"
        case .notice: return "notice"
        case .buildUpdated: return "buildUpdated"
        case .fleetUpdated: return "fleetUpdated"
        case .healthChanged: return "healthChanged"
        case .incidentUpdated: return "incidentUpdated"
        }
    }

    private func unsubscribe(_ id: UUID) { subscribers[id] = nil }

    /// Serializes changes across suspension points (actors are re-entrant).
    func lock() async {
        if !busy { busy = true; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func unlock() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}

extension WorkspaceCore: BuildRecorder {}

extension WorkspaceCore: FleetRecorder {
    /// Logs a fleet row change and delivers it.
    public func recordFleet(_ row: FleetRow) async {
        await lock()
        defer { unlock() }
        try? await publish(.fleetUpdated(row: row), at: clock.now)
        board.notify(.fleet(row))
    }
}
