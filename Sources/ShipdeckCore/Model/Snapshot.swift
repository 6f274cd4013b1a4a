import Foundation

/// Everything a screen or a script needs to show the workspace at one moment.
///
/// The dashboard renders only this value; `shipdeck status --json` prints it. It is built by the core
/// from the configuration and the store, and kept current by folding `CoreEvent`s into it.
public struct WorkspaceSnapshot: Codable, Sendable, Equatable {
    public var workspace: WorkspaceInfo
    public var currentUser: Person?
    public var onCall: [OnCallSlot]
    public var board: BoardSnapshot
    public var pipelines: [ServicePipelines]
    public var fleet: [FleetRow]
    public var alerts: [AlertRecord]
    /// Deploys that are running now; `q` asks before quitting while this is not empty.
    public var runningDeploys: [String]

    public init(
        workspace: WorkspaceInfo, currentUser: Person?, onCall: [OnCallSlot], board: BoardSnapshot,
        pipelines: [ServicePipelines], fleet: [FleetRow], alerts: [AlertRecord], runningDeploys: [String] = []
    ) {
        self.workspace = workspace
        self.currentUser = currentUser
        self.onCall = onCall
        self.board = board
        self.pipelines = pipelines
        self.fleet = fleet
        self.alerts = alerts
        self.runningDeploys = runningDeploys
    }
}

public struct WorkspaceInfo: Codable, Sendable, Equatable {
    public var name: String
    public var path: String
    public var cardPrefix: String
    public var environments: [EnvironmentInfo]
    /// The environment the dashboard looks at (from `SHIPDECK_ENV` or the first one).
    public var currentEnvironment: String

    public init(name: String, path: String, cardPrefix: String, environments: [EnvironmentInfo], currentEnvironment: String) {
        self.name = name
        self.path = path
        self.cardPrefix = cardPrefix
        self.environments = environments
        self.currentEnvironment = currentEnvironment
    }
}

public struct EnvironmentInfo: Codable, Sendable, Equatable {
    public var name: String
    public var protected: Bool
    public init(name: String, protected: Bool) {
        self.name = name
        self.protected = protected
    }
}

public struct Person: Codable, Sendable, Equatable, Hashable {
    public var handle: String
    public var name: String
    public var roles: [String]
    public init(handle: String, name: String, roles: [String]) {
        self.handle = handle
        self.name = name
        self.roles = roles
    }
}

/// Who holds one on-call rota (dingo, owl, squid…) right now, and until when.
public struct OnCallSlot: Codable, Sendable, Equatable {
    public var rota: String
    public var person: String?
    public var until: Date?
    public init(rota: String, person: String?, until: Date?) {
        self.rota = rota
        self.person = person
        self.until = until
    }
}

public struct BoardSnapshot: Codable, Sendable, Equatable {
    public var columns: [BoardColumn]
    public init(columns: [BoardColumn]) { self.columns = columns }

    public var cardCount: Int { columns.reduce(0) { $0 + $1.cards.count } }
}

public struct BoardColumn: Codable, Sendable, Equatable {
    public var name: String
    public var wipLimit: Int?
    public var cards: [Card]
    public init(name: String, wipLimit: Int?, cards: [Card]) {
        self.name = name
        self.wipLimit = wipLimit
        self.cards = cards
    }
    public var overLimit: Bool { wipLimit.map { cards.count > $0 } ?? false }
}

public struct Card: Codable, Sendable, Equatable, Identifiable {
    /// Short id such as `SHP-42`.
    public var id: String
    public var title: String
    public var description: String
    public var column: String
    public var position: Int
    public var assignee: String?
    public var labels: [String]
    public var services: [String]
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, title: String, description: String = "", column: String, position: Int,
        assignee: String? = nil, labels: [String] = [], services: [String] = [], createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.column = column
        self.position = position
        self.assignee = assignee
        self.labels = labels
        self.services = services
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// One service's pipeline file and its most recent builds (newest first).
public struct ServicePipelines: Codable, Sendable, Equatable {
    public var service: String
    public var pipelineFile: String
    public var builds: [BuildRecord]
    public init(service: String, pipelineFile: String, builds: [BuildRecord]) {
        self.service = service
        self.pipelineFile = pipelineFile
        self.builds = builds
    }
}

public struct BuildRecord: Codable, Sendable, Equatable, Identifiable {
    public enum State: String, Codable, Sendable { case scheduled, running, blocked, passed, failed, canceled }
    public var id: Int64
    public var service: String
    public var number: Int
    public var commit: String
    public var branch: String
    public var message: String
    public var state: State
    public var createdAt: Date
    public var finishedAt: Date?
    public init(
        id: Int64, service: String, number: Int, commit: String, branch: String, message: String, state: State,
        createdAt: Date, finishedAt: Date?
    ) {
        self.id = id
        self.service = service
        self.number = number
        self.commit = commit
        self.branch = branch
        self.message = message
        self.state = state
        self.createdAt = createdAt
        self.finishedAt = finishedAt
    }
}

/// One line of the Fleet pane: a service in an environment and its instances.
public struct FleetRow: Codable, Sendable, Equatable {
    public var service: String
    public var environment: String
    public var port: Int
    public var desiredInstances: Int
    public var image: String?
    public var instances: [InstanceRecord]
    public init(service: String, environment: String, port: Int, desiredInstances: Int, image: String?, instances: [InstanceRecord]) {
        self.service = service
        self.environment = environment
        self.port = port
        self.desiredInstances = desiredInstances
        self.image = image
        self.instances = instances
    }
}

public struct InstanceRecord: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable { case starting, running, draining, stopped, crashed }
    public enum Health: String, Codable, Sendable { case ok, warning, critical, unknown, pending }
    public var id: String
    public var state: State
    public var health: Health
    public var port: Int
    public var startedAt: Date?
    public init(id: String, state: State, health: Health, port: Int, startedAt: Date?) {
        self.id = id
        self.state = state
        self.health = health
        self.port = port
        self.startedAt = startedAt
    }
}

public struct AlertRecord: Codable, Sendable, Equatable, Identifiable {
    public enum State: String, Codable, Sendable { case triggered, acknowledged, resolved }
    public enum Severity: String, Codable, Sendable { case critical, error, warning, info }
    public var id: Int64
    public var dedupKey: String
    public var summary: String
    public var service: String?
    public var severity: Severity
    public var highUrgency: Bool
    public var state: State
    public var createdAt: Date
    public var assignee: String?
    public init(
        id: Int64, dedupKey: String, summary: String, service: String?, severity: Severity, highUrgency: Bool,
        state: State, createdAt: Date, assignee: String?
    ) {
        self.id = id
        self.dedupKey = dedupKey
        self.summary = summary
        self.service = service
        self.severity = severity
        self.highUrgency = highUrgency
        self.state = state
        self.createdAt = createdAt
        self.assignee = assignee
    }
}
