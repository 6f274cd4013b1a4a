import Foundation

/// Where the engine gets a build's plan: the pipeline file at the build's exact commit, parsed and
/// planned. Errors are `ShipdeckError`s that name file:line:column.
public protocol PipelineSource: Sendable {
    func plan(service: ServiceConfig, repo: URL, context: BuildContext) async throws -> BuildPlan
}

/// What one job attempt needs to run.
public struct JobLaunch: Sendable {
    public var job: PlannedJob
    public var commands: [String]
    public var directory: URL
    public var environment: [String: String]
    public var timeout: Duration?
    public var attempt: Int
    /// Time between SIGTERM and SIGKILL on cancel or timeout.
    public var gracePeriod: Duration = .seconds(10)
    public init(job: PlannedJob, commands: [String], directory: URL, environment: [String: String], timeout: Duration?, attempt: Int) {
        self.job = job
        self.commands = commands
        self.directory = directory
        self.environment = environment
        self.timeout = timeout
        self.attempt = attempt
    }
}

/// How a job attempt ended.
public enum JobResult: Sendable, Equatable {
    case exited(Int32)
    case timedOut
    case canceled
    case failedToStart(String)
}

/// Runs job attempts as real processes; cancelling the calling task ends the job's process group.
public protocol JobExecutor: Sendable {
    func run(_ launch: JobLaunch, log: @escaping @Sendable (LogLine.Stream, String) -> Void) async -> JobResult
}

/// The repositories the engine builds from (git).
public protocol RepositoryReader: Sendable {
    /// The branch checked out in `repo` (e.g. `main`).
    func currentBranch(repo: URL) throws -> String
    /// The commit at the tip of `branch`, with its subject and author.
    func head(repo: URL, branch: String) throws -> (commit: String, message: String, author: String)
    /// `commit` resolved to a full id, with its subject and author.
    func describe(repo: URL, commit: String) throws -> (commit: String, message: String, author: String)
    /// Files changed between two commits (nil when unknown).
    func changedFiles(repo: URL, from: String, to: String) -> [String]?
    /// A clean checkout of exactly `commit` in `directory`.
    func checkout(repo: URL, commit: String, into directory: URL) throws
}
