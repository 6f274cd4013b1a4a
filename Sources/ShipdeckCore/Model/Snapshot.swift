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
    public var alerts: [Incident]
    /// Deploys that are running now; `q` asks before quitting while this is not empty.
    public var runningDeploys: [String]

    public init(
        workspace: WorkspaceInfo, currentUser: Person?, onCall: [OnCallSlot], board: BoardSnapshot,
        pipelines: [ServicePipelines], fleet: [FleetRow], alerts: [Incident], runningDeploys: [String] = []
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
    /// `alerts.bell` and `alerts.change_window` (seconds), for the dashboard's Alerts pane; nil: the defaults.
    public var alertBell: Bool?
    public var alertChangeWindow: Double?

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
    public enum State: String, Codable, Sendable {
        case scheduled, running, blocked, passed, failed, canceled
        /// Whether the build has ended.
        public var isFinished: Bool { self == .passed || self == .failed || self == .canceled }
    }
    public var id: Int64
    public var service: String
    public var number: Int
    public var commit: String
    public var branch: String
    public var message: String
    public var state: State
    public var createdAt: Date
    public var finishedAt: Date?
    public var author: String
    /// What started it: `ui`, `cli`, `api`, `poll` (a new commit), `trigger`.
    public var source: String
    /// Who started it (a person's handle), when a person did.
    public var startedBy: String?
    public var startedAt: Date?
    /// Why the build failed before any job ran (an invalid pipeline: "pipeline upload failed: …").
    public var error: String?
    public var jobs: [JobRecord]

    public init(
        id: Int64, service: String, number: Int, commit: String, branch: String, message: String, state: State,
        createdAt: Date, finishedAt: Date?, author: String = "", source: String = "ui", startedBy: String? = nil,
        startedAt: Date? = nil, error: String? = nil, jobs: [JobRecord] = []
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
        self.author = author
        self.source = source
        self.startedBy = startedBy
        self.startedAt = startedAt
        self.error = error
        self.jobs = jobs
    }

    /// `orders#12`.
    public var name: String { "\(service)#\(number)" }
}

/// One job of a build as the screen shows it.
public struct JobRecord: Codable, Sendable, Equatable, Identifiable {
    public enum State: String, Codable, Sendable {
        /// Dependencies not finished yet.
        case waiting
        /// Ready, but no agent slot with matching tags is free (or exists).
        case waitingForAgent
        case running, passed, failed, canceled
        /// Failed, but `soft_fail` forgives it.
        case softFailed
        case timedOut
        /// A block step waiting for a person.
        case blocked
        case unblocked
        /// Not run because a dependency failed.
        case broken
        /// Running when Shipdeck was killed.
        case lost

        public var isFinished: Bool {
            switch self {
            case .waiting, .waitingForAgent, .running, .blocked: return false
            default: return true
            }
        }
        /// Whether dependants may run after this job finished in this state.
        public var countsAsSuccess: Bool { self == .passed || self == .softFailed || self == .unblocked }
    }
    /// The job id within the build (`PlannedJob.id`).
    public var id: String
    public var label: String
    public var kind: String
    public var state: State
    public var attempt: Int
    public var exitStatus: Int32?
    public var startedAt: Date?
    public var finishedAt: Date?
    /// Why it waits ("waiting for an agent with queue=deploy") or failed ("no deployer configured").
    public var detail: String?
    /// Who unblocked a block step, and the values they entered.
    public var unblockedBy: String?
    public var fields: [String: String]
    /// A block step's prompt and form, for the unblock dialog.
    public var prompt: String?
    public var form: [PlannedJob.Field]

    public init(id: String, label: String, kind: String, state: State, attempt: Int = 1, exitStatus: Int32? = nil, startedAt: Date? = nil,
                finishedAt: Date? = nil, detail: String? = nil, unblockedBy: String? = nil, fields: [String: String] = [:],
                prompt: String? = nil, form: [PlannedJob.Field] = []) {
        self.id = id
        self.label = label
        self.kind = kind
        self.state = state
        self.attempt = attempt
        self.exitStatus = exitStatus
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.detail = detail
        self.unblockedBy = unblockedBy
        self.fields = fields
        self.prompt = prompt
        self.form = form
    }
}

/// One line of the Fleet pane: a service in an environment, its instances, its traffic and deploys.
public struct FleetRow: Codable, Sendable, Equatable {
    public var service: String
    public var environment: String
    /// The stable endpoint: the proxy's port for this service in this environment.
    public var port: Int
    public var desiredInstances: Int
    /// The tag of the image the active group runs (`orders:12`), nil before the first deploy.
    public var image: String?
    /// Every instance: the active group, a group being deployed, and a warm or draining old group.
    public var instances: [InstanceRecord]
    /// What the proxy measured over its recent window.
    public var traffic: TrafficStats
    /// The deploy in flight, if any, with its progress line.
    public var deploy: DeployRecord?
    /// The newest deploys, newest first (at most `FleetRow.historyLength`).
    public var history: [DeployRecord]
    /// The newest images of the service, newest first (what `D` offers).
    public var images: [ImageRecord]
    /// Why the endpoint is not listening (its port is taken), if it is not.
    public var endpointError: String?
    /// The newest one-off admin processes run against this service and environment, newest first.
    public var runs: [OneOffRun] = []

    public static let historyLength = 10

    public init(service: String, environment: String, port: Int, desiredInstances: Int, image: String?, instances: [InstanceRecord],
                traffic: TrafficStats = TrafficStats(), deploy: DeployRecord? = nil, history: [DeployRecord] = [], images: [ImageRecord] = []) {
        self.service = service
        self.environment = environment
        self.port = port
        self.desiredInstances = desiredInstances
        self.image = image
        self.instances = instances
        self.traffic = traffic
        self.deploy = deploy
        self.history = history
        self.images = images
    }

    /// `orders/test`.
    public var name: String { "\(service)/\(environment)" }
    /// Instances of the active group that serve traffic.
    public var serving: [InstanceRecord] { instances.filter { $0.active && $0.state == .healthy } }
}

/// One instance of a service: a process or a container of one image, in one group.
public struct InstanceRecord: Codable, Sendable, Equatable, Identifiable {
    public enum State: String, Codable, Sendable { case starting, healthy, unhealthy, draining, stopped, crashed }
    public enum Health: String, Codable, Sendable { case ok, warning, critical, unknown, pending }
    /// `orders-test-7-1`: service, environment, group (the deploy that started it), index.
    public var id: String
    public var state: State
    public var health: Health
    /// The port the instance itself listens on (the proxy forwards to it).
    public var port: Int
    public var startedAt: Date?
    /// The image tag it runs.
    public var image: String
    /// The deploy whose group it belongs to.
    public var group: Int64
    /// Whether its group is the one the proxy routes to.
    public var active: Bool
    public var restarts: Int
    /// CPU use in percent of one core over the last sample, and resident memory in bytes.
    public var cpuPercent: Double?
    public var memoryBytes: Int64?
    /// The process id or the container id.
    public var handle: String
    /// Why it stopped or crashed.
    public var detail: String?
    /// The health check's Nagios state type (`soft` while a problem is retried, `hard` once settled),
    /// its attempt (`2/3`), and when it last ran.
    public var checkType: String?
    public var checkAttempt: String?
    public var checkedAt: Date?
    /// Seconds the last check took.
    public var checkDuration: Double?
    /// Set while the check flaps (its HARD changes do not alert).
    public var flapping: Bool?
    /// Why the instance's alerts are held now: `deploy` (a group warming up or draining) or a
    /// scheduled downtime's comment; nil when none covers it.
    public var downtime: String?

    public init(id: String, state: State, health: Health, port: Int, startedAt: Date?, image: String = "", group: Int64 = 0,
                active: Bool = false, restarts: Int = 0, cpuPercent: Double? = nil, memoryBytes: Int64? = nil, handle: String = "",
                detail: String? = nil) {
        self.id = id
        self.state = state
        self.health = health
        self.port = port
        self.startedAt = startedAt
        self.image = image
        self.group = group
        self.active = active
        self.restarts = restarts
        self.cpuPercent = cpuPercent
        self.memoryBytes = memoryBytes
        self.handle = handle
        self.detail = detail
    }
}

/// What an APM would show for a service endpoint, from the proxy.
public struct TrafficStats: Codable, Sendable, Equatable {
    public var requestsPerSecond: Double
    /// Share of requests that failed (5xx or no backend), 0…1, over the same window.
    public var errorRate: Double
    /// Latency percentiles in seconds.
    public var p50: Double
    public var p99: Double
    public var inFlight: Int
    public init(requestsPerSecond: Double = 0, errorRate: Double = 0, p50: Double = 0, p99: Double = 0, inFlight: Int = 0) {
        self.requestsPerSecond = requestsPerSecond
        self.errorRate = errorRate
        self.p50 = p50
        self.p99 = p99
        self.inFlight = inFlight
    }
}

/// An immutable, versioned image of a service: what one build produced. Never rebuilt or changed.
public struct ImageRecord: Codable, Sendable, Equatable, Identifiable {
    /// `orders:12`.
    public var tag: String
    public var service: String
    public var buildNumber: Int
    public var commit: String
    public var message: String
    public var createdAt: Date
    /// `process` (a release directory) or `container` (an OCI image).
    public var runtime: String
    /// The release directory, or the container image reference.
    public var reference: String
    /// A digest of the image's content, recorded once.
    public var digest: String

    public var id: String { tag }

    public init(service: String, buildNumber: Int, commit: String, message: String, createdAt: Date, runtime: String,
                reference: String, digest: String) {
        self.tag = "\(service):\(buildNumber)"
        self.service = service
        self.buildNumber = buildNumber
        self.commit = commit
        self.message = message
        self.createdAt = createdAt
        self.runtime = runtime
        self.reference = reference
        self.digest = digest
    }
}

/// A one-off admin process (12-factor): a command run once with a service's image and an
/// environment's configuration — a data migration, a console.
public struct OneOffRun: Codable, Sendable, Equatable, Identifiable {
    /// `run-orders-prod-…`; its output is kept like an instance's, under this id.
    public var id: String
    public var service: String
    public var environment: String
    public var image: String
    public var command: String
    public var by: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// `exited with status 0`, `killed by signal 9`; nil while it runs.
    public var outcome: String?
    public var exitStatus: Int32?
    public init(id: String, service: String, environment: String, image: String, command: String, by: String, startedAt: Date) {
        self.id = id
        self.service = service
        self.environment = environment
        self.image = image
        self.command = command
        self.by = by
        self.startedAt = startedAt
    }
}

/// One deploy of an image to an environment: who, when, how long, how it ended and why.
public struct DeployRecord: Codable, Sendable, Equatable, Identifiable {
    public enum Outcome: String, Codable, Sendable { case queued, running, succeeded, failed, canceled }
    public var id: Int64
    public var service: String
    public var environment: String
    public var image: String
    public var by: String
    /// `pipeline` (a build's deploy step), `cli`, `ui`, `rollback`.
    public var source: String
    /// The build whose deploy step asked for it (`orders#12`).
    public var build: String?
    public var startedAt: Date
    public var finishedAt: Date?
    public var outcome: Outcome
    /// Why it failed, or what it did ("switched in 3 ms").
    public var reason: String?
    /// The live progress line while it runs ("2/3 instances healthy").
    public var progress: String?
    /// Milliseconds from "new group healthy" to "traffic switched".
    public var switchMilliseconds: Double?

    public init(id: Int64 = 0, service: String, environment: String, image: String, by: String, source: String, build: String? = nil,
                startedAt: Date, finishedAt: Date? = nil, outcome: Outcome = .queued, reason: String? = nil, progress: String? = nil,
                switchMilliseconds: Double? = nil) {
        self.id = id
        self.service = service
        self.environment = environment
        self.image = image
        self.by = by
        self.source = source
        self.build = build
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.reason = reason
        self.progress = progress
        self.switchMilliseconds = switchMilliseconds
    }

    public var duration: TimeInterval? { finishedAt.map { $0.timeIntervalSince(startedAt) } }
}

