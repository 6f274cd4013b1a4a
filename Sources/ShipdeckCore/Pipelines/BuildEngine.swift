import Foundation

/// Persists a build change and announces it (the core, which owns event order).
public protocol BuildRecorder: AnyObject, Sendable {
    func record(_ build: BuildRecord, plan: BuildPlan?, context: BuildContext?) async throws -> BuildRecord
}

/// Deploys a build's image to an environment (the fleet).
public protocol BuildDeployer: AnyObject, Sendable {
    func deployBuild(_ build: BuildRecord, environment: String, by person: String, log: @escaping @Sendable (String) -> Void) async throws -> DeployRecord
}

/// Runs builds: plans each from its pipeline file at the exact commit, schedules its jobs on the
/// agent slots (dependencies, blocks, retries, concurrency groups, priority), runs them as real
/// processes, stores their logs, and recovers after a crash. Every change goes through the recorder.
public actor BuildEngine {
    let config: WorkspaceConfig
    let store: any Store
    let clock: any ShipdeckClock
    let source: any PipelineSource
    let executor: any JobExecutor
    let repos: any RepositoryReader
    weak var recorder: (any BuildRecorder)?
    /// Carries out `deploy:` steps; without one they fail with "no deployer configured".
    weak var deployer: (any BuildDeployer)?

    /// Live state of a build that has not finished.
    struct Live {
        var record: BuildRecord
        var plan: BuildPlan
        var context: BuildContext
        var checkedOut: URL?
        var tasks: [String: Task<Void, Never>] = [:]
        var slots: [String: Int] = [:]
    }
    var live: [Int64: Live] = [:]
    var pool: AgentPool
    /// Running jobs per concurrency group, and the jobs waiting for each group in arrival order.
    var groupRunning: [String: Int] = [:]
    var groupQueue: [String: [JobKey]] = [:]
    /// Builds that triggered another build and wait for it: triggered build id → (build, job).
    var triggerWaiters: [Int64: JobKey] = [:]
    var pollTask: Task<Void, Never>?
    /// Set by `shutdown`: nothing new starts while the running jobs are stopped and recorded.
    var stopping = false
    var knownHeads: [String: String] = [:]

    struct JobKey: Hashable, Sendable {
        var build: Int64
        var job: String
    }

    public init(config: WorkspaceConfig, store: any Store, clock: any ShipdeckClock, source: any PipelineSource,
                executor: any JobExecutor, repos: any RepositoryReader) {
        self.config = config
        self.store = store
        self.clock = clock
        self.source = source
        self.executor = executor
        self.repos = repos
        self.pool = AgentPool(config.pipelines.agents)
    }

    public func attach(_ recorder: any BuildRecorder) { self.recorder = recorder }

    public func attachDeployer(_ deployer: any BuildDeployer) { self.deployer = deployer }

    func repoURL(_ service: ServiceConfig) -> URL {
        URL(fileURLWithPath: service.repo, relativeTo: config.directory).standardizedFileURL
    }

    func buildDirectory(_ record: BuildRecord) -> URL {
        ShipdeckPaths.stateDirectory(in: config.directory).appendingPathComponent("builds/\(record.service)/\(record.number)")
    }

    // MARK: - Starting builds

    /// Starts a build of `service` at `commit` (default: the tip of `branch`, default the checked-out branch).
    @discardableResult
    public func start(service name: String, commit: String? = nil, branch: String? = nil, message: String? = nil,
                      env: [String: String] = [:], by person: String?, source origin: String) async throws -> BuildRecord {
        guard let service = config.service(named: name) else {
            throw ShipdeckError(.notFound, "there is no service '\(name)' in \(config.file.lastPathComponent)", field: "service",
                                hint: Suggestion.hint(for: name, in: config.services.map(\.name)))
        }
        let repo = repoURL(service)
        let branchName = try branch ?? repos.currentBranch(repo: repo)
        let described = try commit.map { try repos.describe(repo: repo, commit: $0) } ?? repos.head(repo: repo, branch: branchName)
        let number = try await store.nextBuildNumber(service: name)
        let previous = try await store.recentBuilds(service: name, limit: 20).first { $0.branch == branchName }
        let context = BuildContext(
            service: name, number: number, commit: described.commit, branch: branchName, message: message ?? described.message,
            author: described.author, source: origin,
            changedFiles: previous.flatMap { repos.changedFiles(repo: repo, from: $0.commit, to: described.commit) }, env: env)
        let now = clock.now
        var record = BuildRecord(id: 0, service: name, number: number, commit: described.commit, branch: branchName,
                                 message: context.message, state: .scheduled, createdAt: now, finishedAt: nil,
                                 author: described.author, source: origin, startedBy: person)
        record = try await save(record, plan: nil, context: context)
        let id = record.id
        Task { await self.plan(buildID: id, service: service, context: context) }
        return record
    }

    /// Reads and plans the pipeline; an invalid pipeline fails the build at its upload stage.
    func plan(buildID: Int64, service: ServiceConfig, context: BuildContext) async {
        guard var record = try? await store.build(service: service.name, number: context.number)?.record, record.id == buildID else { return }
        do {
            let plan = try await source.plan(service: service, repo: repoURL(service), context: context)
            record.state = .running
            record.startedAt = clock.now
            record.jobs = plan.jobs.map { job in
                var record = JobRecord(id: job.id, label: job.label, kind: Self.kindName(job.kind), state: .waiting)
                if case .block(let block) = job.kind { (record.prompt, record.form) = (block.prompt, block.fields) }
                return record
            }
            record = (try? await save(record, plan: plan, context: context)) ?? record
            live[buildID] = Live(record: record, plan: plan, context: context)
            await pump()
        } catch {
            record.state = .failed
            record.finishedAt = clock.now
            record.error = "pipeline upload failed: \(error)"
            _ = try? await save(record, plan: nil, context: context)
            await finished(record)
        }
    }

    static func kindName(_ kind: PlannedJob.Kind) -> String {
        switch kind {
        case .command(_, let deploy): return deploy == nil ? "command" : "deploy"
        case .block(let block): return block.blocksBuild ? "block" : "input"
        case .trigger: return "trigger"
        }
    }

    func save(_ record: BuildRecord, plan: BuildPlan?, context: BuildContext?) async throws -> BuildRecord {
        if let recorder { return try await recorder.record(record, plan: plan, context: context) }
        return try await store.saveBuild(record, plan: plan, context: context, log: nil).value
    }

    /// Stores the live build's current record.
    func persist(_ buildID: Int64) async {
        guard let build = live[buildID] else { return }
        if let saved = try? await save(build.record, plan: nil, context: nil) { live[buildID]?.record.id = saved.id }
    }
}
