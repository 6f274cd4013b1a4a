import Foundation

/// What the engines persist. Engines see only this protocol, never SQL, so a PostgreSQL store can
/// replace `SQLiteStore` later. Every write is one transaction.
public protocol Store: Sendable {
    // MARK: People
    /// Everyone known to the store, ordered by handle.
    func people() async throws -> [Person]
    /// Replaces the people with `people` (the config is the source of truth; this keeps the store in step).
    func replacePeople(_ people: [Person]) async throws

    // MARK: Cards
    /// Every card, ordered by column position then id.
    func cards() async throws -> [Card]
    /// The card with `id`, if any.
    func card(id: String) async throws -> Card?
    /// Inserts or replaces `card` and records `change` in its history.
    func upsertCard(_ card: Card, by person: String, change: String) async throws
    /// Moves a card to the end of `column` and records the move; returns the moved card. With `log`,
    /// the event it returns is appended to the event log in the same transaction.
    /// - Throws: `ShipdeckError` (.notFound) when there is no such card.
    func moveCard(id: String, toColumn column: String, by person: String, at date: Date, log: LogEntryMaker<Card>?) async throws -> Logged<Card>
    /// Deletes a card and records who did it; returns the deleted card. History is kept. With `log`,
    /// the event it returns is appended to the event log in the same transaction.
    /// - Throws: `ShipdeckError` (.notFound) when there is no such card.
    func deleteCard(id: String, by person: String, at date: Date, log: LogEntryMaker<Card>?) async throws -> Logged<Card>
    /// Allocates the next card number (1, 2, 3…); numbers are never reused, even after deletes.
    func nextCardNumber() async throws -> Int
    /// A card's history, oldest first.
    func history(cardID: String) async throws -> [CardHistoryEntry]
    /// Inserts or replaces every card of `changes` in one transaction, recording each change's history
    /// line (none for a nil `change`); with `log`, each card's event is appended in the same transaction.
    func saveCards(_ changes: [CardChange], by person: String, at date: Date, log: LogEntryMaker<Card>?) async throws -> [Logged<Card>]
    /// Makes the next allocated card number at least `number` (after an import of numbered cards).
    func reserveCardNumbers(through number: Int) async throws

    // MARK: Builds
    /// The newest `limit` builds of `service`, newest first.
    func recentBuilds(service: String, limit: Int) async throws -> [BuildRecord]
    /// Stores a build (id 0 means new) and returns it with its id.
    func saveBuild(_ build: BuildRecord) async throws -> BuildRecord
    /// Stores a build with the plan and context it runs (id 0 means new); with `log`, the event it
    /// returns is appended in the same transaction.
    func saveBuild(_ build: BuildRecord, plan: BuildPlan?, context: BuildContext?, log: LogEntryMaker<BuildRecord>?) async throws -> Logged<BuildRecord>
    /// The build `number` of `service`, with its plan and context.
    func build(service: String, number: Int) async throws -> StoredBuild?
    /// Builds that have not finished (for recovery after a crash), oldest first.
    func unfinishedBuilds() async throws -> [StoredBuild]
    /// The next build number of `service` (1, 2, 3…).
    func nextBuildNumber(service: String) async throws -> Int
    /// Appends log lines of one job attempt.
    func appendLog(buildID: Int64, jobID: String, attempt: Int, lines: [LogLine]) async throws
    /// Log lines of one job attempt with `line` > `after`, oldest first, at most `limit`.
    func log(buildID: Int64, jobID: String, attempt: Int, after: Int, limit: Int) async throws -> [LogLine]

    // MARK: Fleet
    /// Records a new image. Images are immutable: recording a tag again fails.
    /// - Throws: `ShipdeckError` (.invalid) when the tag is already recorded.
    func recordImage(_ image: ImageRecord) async throws
    /// The image with `tag`, if recorded.
    func image(tag: String) async throws -> ImageRecord?
    /// The newest `limit` images of `service`, newest first.
    func images(service: String, limit: Int) async throws -> [ImageRecord]
    /// Stores a deploy (id 0 means new) and returns it with its id.
    func saveDeploy(_ deploy: DeployRecord) async throws -> DeployRecord
    /// The newest `limit` deploys of `service` in `environment`, newest first.
    func deploys(service: String, environment: String, limit: Int) async throws -> [DeployRecord]
    /// Deploys still queued or running (interrupted by a crash when the core starts).
    func unfinishedDeploys() async throws -> [DeployRecord]
    /// Stores (inserts or replaces) what the fleet knows of an instance.
    func saveInstance(_ instance: StoredInstance) async throws
    /// Forgets an instance that stopped for good.
    func removeInstance(id: String) async throws
    /// Every instance the fleet has not forgotten.
    func instances() async throws -> [StoredInstance]
    /// Stores the active group of a service in an environment.
    func saveRoute(_ route: FleetRoute) async throws
    /// The active group of every service and environment.
    func routes() async throws -> [FleetRoute]
    /// Appends an instance's log lines and keeps only its newest `keep` lines.
    func appendInstanceLog(instanceID: String, lines: [LogLine], keep: Int) async throws
    /// An instance's log lines with `line` > `after`, oldest first, at most `limit`.
    func instanceLog(instanceID: String, after: Int, limit: Int) async throws -> [LogLine]
    /// Stores (inserts or replaces) a one-off run.
    func saveRun(_ run: OneOffRun) async throws
    /// The newest `limit` one-off runs of `service` in `environment`, newest first.
    func runs(service: String, environment: String, limit: Int) async throws -> [OneOffRun]
    /// The number of the newest stored line of an instance's log, or 0.
    func lastInstanceLogLine(instanceID: String) async throws -> Int

    // MARK: Health
    /// Appends a health check change; keeps the newest `keep` of the instance's.
    func appendHealthEvent(_ event: HealthEvent, keep: Int) async throws -> HealthEvent
    /// An instance's health check changes, newest first.
    func healthEvents(instance: String, limit: Int) async throws -> [HealthEvent]
    func saveDowntime(_ downtime: DowntimeRecord) async throws
    func removeDowntime(id: UUID) async throws
    func downtimes() async throws -> [DowntimeRecord]

    // MARK: Alerts
    /// Stores an incident (id 0 means new) and returns it with its id; with `log`, the event it
    /// returns (given the incident as saved and its JSON) is appended to the event log in the same transaction.
    func saveIncident(_ incident: Incident, log: IncidentLogMaker?) async throws -> Logged<Incident>
    /// The open incident with this dedup key, if any.
    func openIncident(dedupKey: String) async throws -> Incident?
    func incident(id: Int64) async throws -> Incident?
    /// Open incidents and those resolved after `resolvedAfter`, newest first, at most `limit`.
    func incidents(resolvedAfter: Date, limit: Int) async throws -> [Incident]

    // MARK: Event log
    /// Appends an event to the log and returns its sequence number (strictly increasing).
    func appendEvent(at date: Date, kind: String, json: String) async throws -> Int64
    /// Events after `sequence`, oldest first, at most `limit`.
    func events(after sequence: Int64, limit: Int) async throws -> [StoredEvent]
    /// The sequence number of the newest event, or 0.
    func lastEventSequence() async throws -> Int64

    // MARK: Settings
    /// A small named value (such as `demo.seeded`), or nil.
    func setting(_ key: String) async throws -> String?
    /// Sets or (with nil) removes a named value.
    func setSetting(_ key: String, to value: String?) async throws
}

/// A card as it should be stored and, when a person or the board did something to it, the history line.
public struct CardChange: Sendable, Equatable {
    public var card: Card
    public var change: String?
    public init(_ card: Card, _ change: String?) {
        self.card = card
        self.change = change
    }
}

/// One line of a card's history: who changed what, when.
public struct CardHistoryEntry: Codable, Sendable, Equatable {
    public var cardID: String
    public var at: Date
    public var who: String
    public var change: String
    public init(cardID: String, at: Date, who: String, change: String) {
        self.cardID = cardID
        self.at = at
        self.who = who
        self.change = change
    }
}

/// One entry of the append-only event log, kept so a client can resume from a sequence number.
public struct StoredEvent: Codable, Sendable, Equatable {
    public var sequence: Int64
    public var at: Date
    public var kind: String
    public var json: String
    public init(sequence: Int64, at: Date, kind: String, json: String) {
        self.sequence = sequence
        self.at = at
        self.kind = kind
        self.json = json
    }
}

/// An event-log entry: what kind of change, and the change as JSON.
public struct LogEntry: Sendable, Equatable {
    public var kind: String
    public var json: String
    public init(kind: String, json: String) {
        self.kind = kind
        self.json = json
    }
}

/// Builds the log entry for a change from its result, inside the change's transaction, so a change
/// and the event that announces it are stored together or not at all.
public typealias LogEntryMaker<Value> = @Sendable (Value) throws -> LogEntry

/// Makes an incident's event-log entry from the incident as saved and the JSON the store encoded it
/// to, so an incident is encoded once per change (a busy Events API changes thousands a second).
public typealias IncidentLogMaker = @Sendable (Incident, _ json: String) throws -> LogEntry

/// A change's result and, when it was logged, its event sequence number.
public struct Logged<Value: Sendable>: Sendable {
    public var value: Value
    public var sequence: Int64?
    public init(value: Value, sequence: Int64?) {
        self.value = value
        self.sequence = sequence
    }
}

extension Store {
    /// Moves a card without logging an event (seeding, tests).
    public func moveCard(id: String, toColumn column: String, by person: String, at date: Date) async throws -> Card {
        try await moveCard(id: id, toColumn: column, by: person, at: date, log: nil).value
    }

    /// Deletes a card without logging an event (seeding, tests).
    public func deleteCard(id: String, by person: String, at date: Date) async throws -> Card {
        try await deleteCard(id: id, by: person, at: date, log: nil).value
    }
}

/// A build with what the engine needs to carry on with it.
public struct StoredBuild: Sendable, Equatable {
    public var record: BuildRecord
    public var plan: BuildPlan?
    public var context: BuildContext?
    public init(record: BuildRecord, plan: BuildPlan?, context: BuildContext?) {
        self.record = record
        self.plan = plan
        self.context = context
    }
}

/// One line a job wrote, with when and on which stream.
public struct LogLine: Codable, Sendable, Equatable {
    public enum Stream: String, Codable, Sendable { case stdout, stderr, system }
    /// 1-based line number within the job attempt.
    public var line: Int
    public var at: Date
    public var stream: Stream
    public var text: String
    public init(line: Int, at: Date, stream: Stream, text: String) {
        self.line = line
        self.at = at
        self.stream = stream
        self.text = text
    }
}

/// An instance as the fleet persists it: enough to adopt or stop it after a restart of the core.
public struct StoredInstance: Codable, Sendable, Equatable {
    public var record: InstanceRecord
    public var service: String
    public var environment: String
    /// `process` or `container`.
    public var runtime: String
    /// The process group (process runtime) and the process's start time in clock ticks since boot, so a
    /// reused pid is never mistaken for the instance.
    public var processGroup: Int32?
    public var processStart: UInt64?
    /// The container's name or id (container runtime).
    public var container: String?
    /// Where its stdout and stderr go, and how far the core has read it.
    public var logFile: String
    public var logOffset: UInt64
    /// The health check's Nagios state (attempts, last HARD state, flap history), so a restarted
    /// core goes on where it left off.
    public var check: CheckState?
    public init(record: InstanceRecord, service: String, environment: String, runtime: String, processGroup: Int32? = nil,
                processStart: UInt64? = nil, container: String? = nil, logFile: String, logOffset: UInt64 = 0) {
        self.record = record
        self.service = service
        self.environment = environment
        self.runtime = runtime
        self.processGroup = processGroup
        self.processStart = processStart
        self.container = container
        self.logFile = logFile
        self.logOffset = logOffset
    }
}

/// The group the proxy routes a service's traffic to in one environment.
public struct FleetRoute: Codable, Sendable, Equatable {
    public var service: String
    public var environment: String
    /// The deploy that started the active group.
    public var group: Int64
    public var image: String
    public init(service: String, environment: String, group: Int64, image: String) {
        self.service = service
        self.environment = environment
        self.group = group
        self.image = image
    }
}
