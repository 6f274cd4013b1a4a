import Foundation

/// A request to change state, carried out by the core on behalf of a person. The core, not the
/// client, checks the person's roles, so every client gets the same refusal with the same sentence.
public enum CoreCommand: Codable, Sendable, Equatable {
    /// Move a card to the end of a column. Done while its linked change is not in prod needs `override`,
    /// which its history records.
    case moveCard(id: String, toColumn: String, override: Bool = false)
    case deleteCard(id: String)
    /// A new card at the end of `column` (default: the first column).
    case addCard(title: String, description: String = "", services: [String] = [], labels: [String] = [], assignee: String? = nil,
                 column: String? = nil)
    /// Change a card's text, services, labels and assignee (nil assignee: nobody).
    case editCard(id: String, title: String, description: String, services: [String], labels: [String], assignee: String?)
    /// Move a card up (negative) or down within its column.
    case reorderCard(id: String, by: Int)
    /// Give a card to a person (nil: nobody).
    case assignCard(id: String, to: String?)
    /// Cards from an export: each replaces the card with its id or is added with that id; all or nothing.
    case importCards(cards: [Card])
    /// Start a build of `service` (default: the tip of its checked-out branch).
    case startBuild(service: String, commit: String?, branch: String?, message: String?)
    /// Unblock the build's block step (`job`: which one, when several wait) with the form's values.
    case unblock(service: String, number: Int, job: String?, fields: [String: String])
    case cancelBuild(service: String, number: Int)
    /// Retry one failed job, or (job nil) every failed job, as new attempts.
    case retryJobs(service: String, number: Int, job: String?)
    /// Deploy an image (`orders:12`) of a service to an environment through the health gate.
    case deploy(service: String, environment: String, image: String)
    /// Redeploy the previous good image (a proxy switch while the old group is warm).
    case rollback(service: String, environment: String)
    /// Replace an instance with a fresh one without dropping requests.
    case restartInstance(id: String)
    /// Drain and stop an instance.
    case stopInstance(id: String)
    /// Run a one-off admin command with the service's active image and the environment's config;
    /// its output is kept under `id` (read it like an instance's log while it runs).
    case runOneOff(id: String, service: String, environment: String, command: String)
    /// Run an instance's health check now, whatever its schedule.
    case forceCheck(instance: String)
    /// Hold the alerts of a service in an environment (or of one instance) for `duration` seconds
    /// from now (fixed), or for `duration` seconds from its first problem within `window` seconds
    /// (flexible, as Nagios' `fixed=0`).
    case scheduleDowntime(service: String, environment: String, instance: String?, duration: Double, flexibleWindow: Double?,
                          comment: String)
    case cancelDowntime(id: UUID)
    /// A passive check result (or a heartbeat, `ok`) for a service's instances in an environment or
    /// for one instance; a passive result is HARD at once.
    case submitCheckResult(service: String, environment: String, instance: String?, status: CheckStatus, output: String)
    /// Acknowledge an incident: its escalation stops (until the acknowledgement times out).
    case acknowledgeIncident(id: Int64)
    case resolveIncident(id: Int64)
    case noteIncident(id: Int64, text: String)
    /// Hold an incident's pages for `seconds`; it triggers again afterwards unless resolved.
    case snoozeIncident(id: Int64, seconds: Double)
    /// An alert event by dedup key, as an Events API sender would send it (`shipdeck alert …`).
    case alertEvent(action: AlertEvent.Action, dedupKey: String?, summary: String, severity: Incident.Severity, service: String?,
                    environment: String?)
}

/// What a command that was carried out says back: the id of what it created, if anything (the card
/// `addCard` numbered). Every change also arrives on the event stream.
public struct CommandOutcome: Codable, Sendable, Equatable {
    public var status: String
    /// The card the command created.
    public var card: String?

    public init(card: String? = nil) {
        status = "ok"
        self.card = card
    }
}

/// The way a client (the dashboard, a CLI command) talks to a core, whether it runs in this process
/// or behind the local API.
public protocol CoreClient: Sendable {
    /// The current state.
    func snapshot() async throws -> WorkspaceSnapshot
    /// Every change from now on, starting with a `.snapshot` event.
    func events() async -> AsyncStream<CoreEvent>
    /// Every change after `sequence` (nil: a `.snapshot` first, then every change).
    func events(after sequence: Int64?) async -> AsyncStream<CoreEvent>
    /// Carries out `command` as `person`; throws `ShipdeckError` when refused or invalid.
    @discardableResult
    func perform(_ command: CoreCommand, as person: String) async throws -> CommandOutcome
    /// Connection changes, for clients that reach their core over the network.
    func connectionStates() async -> AsyncStream<CoreConnection>
    /// A job attempt's log lines after line `after` (attempt nil: the latest), at most `limit`.
    func log(service: String, number: Int, job: String, attempt: Int?, after: Int, limit: Int) async throws -> [LogLine]
    /// An instance's captured output after line `after`, at most `limit`.
    func instanceLog(id: String, after: Int, limit: Int) async throws -> [LogLine]
    /// An instance's health check: state, last output and perfdata, history and downtimes.
    func checkDetail(instance id: String) async throws -> CheckDetail
    /// A card's history, oldest first: every change with who and when.
    func cardHistory(id: String) async throws -> [CardHistoryEntry]
}

/// Whether a client reaches its core; an in-process core is always connected.
public enum CoreConnection: Sendable, Equatable {
    case connected(CoreHolder)
    case disconnected(String)
}

extension CoreClient {
    /// Connection changes; the default (an in-process core) never changes.
    public func connectionStates() async -> AsyncStream<CoreConnection> {
        AsyncStream { $0.finish() }
    }
}
