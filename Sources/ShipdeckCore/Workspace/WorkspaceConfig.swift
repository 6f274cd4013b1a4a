import Foundation

/// A parsed and validated `shipdeck.yml`, with environment overrides applied.
///
/// Produced by `ConfigLoader.load(file:environment:)`. Collections keep the order of the file.
public struct WorkspaceConfig: Sendable, Equatable {
    /// The config file this was read from.
    public var file: URL
    /// The workspace name shown in the title bar.
    public var name: String
    /// The prefix of card ids, such as `SHP` in `SHP-42`.
    public var cardPrefix: String
    /// The theme name, if the file or `SHIPDECK_THEME` chose one.
    public var theme: String?
    /// The handle of the acting person (`user:` or `SHIPDECK_USER`).
    public var user: String?
    public var services: [ServiceConfig]
    public var environments: [EnvironmentConfig]
    public var people: [PersonConfig]
    public var onCall: OnCallConfig
    public var board: BoardConfig
    /// The environment the dashboard looks at (`SHIPDECK_ENV`, else the first environment).
    public var currentEnvironment: String
    /// The database file (`SHIPDECK_DB`, else `.shipdeck/state.sqlite` in the workspace).
    public var databaseFile: URL
    /// Where the core's local API listens.
    public var api = APIConfig()
    /// How builds run: repo polling and the local agent slots.
    public var pipelines = PipelinesConfig()
    /// How instances run and deploy.
    public var fleet = FleetConfig()
    /// How alerts page people.
    public var alerts = AlertsConfig()

    /// The runtime of `service`: its own `runtime:`, else the workspace's.
    public func runtime(of service: ServiceConfig) -> RuntimeKind { service.runtime ?? fleet.runtime }

    public init(
        file: URL, name: String, cardPrefix: String, theme: String? = nil, user: String? = nil,
        services: [ServiceConfig] = [], environments: [EnvironmentConfig] = EnvironmentConfig.defaults,
        people: [PersonConfig] = [], onCall: OnCallConfig = OnCallConfig(), board: BoardConfig = BoardConfig(),
        currentEnvironment: String? = nil, databaseFile: URL? = nil
    ) {
        self.file = file
        self.name = name
        self.cardPrefix = cardPrefix
        self.theme = theme
        self.user = user
        self.services = services
        self.environments = environments
        self.people = people
        self.onCall = onCall
        self.board = board
        self.currentEnvironment = currentEnvironment ?? environments.first?.name ?? "test"
        self.databaseFile = databaseFile ?? ShipdeckPaths.defaultDatabase(in: file.deletingLastPathComponent())
    }

    /// The workspace folder (the folder holding `shipdeck.yml`).
    public var directory: URL { file.deletingLastPathComponent() }

    /// The service called `name`.
    public func service(named name: String) -> ServiceConfig? { services.first { $0.name == name } }

    /// The person with `handle`.
    public func person(_ handle: String) -> PersonConfig? { people.first { $0.handle == handle } }

    /// The environment called `name`.
    public func environment(named name: String) -> EnvironmentConfig? { environments.first { $0.name == name } }

    /// The stable endpoint port of `service` in `environment`: `port` in the first environment, and
    /// `port + 1000 × index` in the others (test 8100, prod 9100).
    public func endpointPort(service: ServiceConfig, environment: String) -> Int {
        let index = environments.firstIndex { $0.name == environment } ?? 0
        return service.port + 1000 * index
    }
}

/// `api:` in shipdeck.yml: where the core's local HTTP API listens (loopback by default; another
/// address also needs `--allow-remote` on `shipdeck serve`).
public struct APIConfig: Sendable, Equatable {
    public var listen: String
    /// 0 picks a free port; the chosen one is written to `.shipdeck/core.json`.
    public var port: Int
    public init(listen: String = "127.0.0.1", port: Int = 0) {
        self.listen = listen
        self.port = port
    }
}

/// `pipelines:` in shipdeck.yml.
public struct PipelinesConfig: Sendable, Equatable {
    /// Seconds between looks at the service repos for new commits; 0 turns polling off.
    public var pollInterval: Double = 10
    /// Seconds between SIGTERM and SIGKILL when a job is cancelled or times out.
    public var cancelGrace: Double = 10
    /// The core's local agent slots; a job runs only on a slot whose tags include all of the job's
    /// `agents` tags (a job without tags needs `queue=default`).
    public var agents: [AgentSlotConfig] = [AgentSlotConfig(tags: ["queue": "default"], count: 2)]
    public init() {}
}

/// Agent slots that share tags (e.g. `queue=prod`), and how many jobs they run at once.
public struct AgentSlotConfig: Sendable, Equatable {
    public var tags: [String: String]
    public var count: Int
    public init(tags: [String: String], count: Int) {
        self.tags = tags
        self.count = count
    }
}
