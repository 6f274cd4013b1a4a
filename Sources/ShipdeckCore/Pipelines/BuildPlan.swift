import Foundation

/// What a build runs: the jobs a pipeline file yields for one build (after `if`, `branches` and
/// `if_changed` filtering, `matrix` and `parallelism` expansion and `{{matrix}}` interpolation), with
/// the ordering that `wait`, `block`, `depends_on` and groups impose turned into explicit edges.
/// `PipelinePlanner` makes it; the build engine schedules it and never looks at YAML.
public struct BuildPlan: Sendable, Equatable, Codable {
    public var jobs: [PlannedJob]
    public init(jobs: [PlannedJob]) { self.jobs = jobs }
}

/// One job of a build.
public struct PlannedJob: Sendable, Equatable, Codable, Identifiable {
    /// Unique within the build and stable for the same pipeline and context: the step key (or a
    /// generated `step-N`), plus a matrix/parallel suffix (`test-linux-amd64`, `shard-2`).
    public var id: String
    /// The step's `key` (or `id`/`identifier`), if it has one.
    public var stepKey: String?
    public var label: String
    /// The group this job came from, for display.
    public var group: String?
    public var kind: Kind
    /// Jobs that must finish first. `allowFailure` means this job runs even when that one failed
    /// (`depends_on: {allow_failure: true}`, `allow_dependency_failure`, `wait: {continue_on_failure}`).
    public var dependsOn: [Dependency]
    /// Pipeline env merged with step env (step wins), `{{matrix…}}` already interpolated.
    public var env: [String: String]
    /// Agent tags the job needs (top-level merged with step); at least `queue` when given.
    public var agents: [String: String]
    public var timeoutMinutes: Int?
    public var retry: RetryPolicy
    public var softFail: SoftFail
    public var concurrency: Concurrency?
    public var priority: Int
    public var artifactPaths: [String]
    /// For `parallelism: N`: this job's index (0-based) and the count.
    public var parallel: Parallel?
    /// Where in the pipeline file the step was written (for errors and the build view).
    public var location: PipelineLocation?

    public enum Kind: Sendable, Equatable, Codable {
        /// Shell commands run in order with `/bin/sh -e -c`; `deploy` hands the image to the deployer.
        case command(commands: [String], deploy: String?)
        /// A `block` (the build shows as blocked until someone unblocks) or an `input` step
        /// (`blocksBuild` false): waits for a person to fill in the fields.
        case block(Block)
        /// Starts another service's pipeline; without `async` waits for that build's outcome.
        case trigger(Trigger)
    }

    public struct Dependency: Sendable, Equatable, Codable, Hashable {
        public var job: String
        public var allowFailure: Bool
        public init(job: String, allowFailure: Bool) {
            self.job = job
            self.allowFailure = allowFailure
        }
    }

    public struct Block: Sendable, Equatable, Codable {
        public var prompt: String?
        public var fields: [Field]
        /// `blocked_state`: passed (default), failed or running — how the build shows while blocked.
        public var blockedState: String
        public var blocksBuild: Bool
        public init(prompt: String?, fields: [Field], blockedState: String = "passed", blocksBuild: Bool = true) {
            self.prompt = prompt
            self.fields = fields
            self.blockedState = blockedState
            self.blocksBuild = blocksBuild
        }
    }

    public struct Field: Sendable, Equatable, Codable {
        public enum Kind: String, Sendable, Equatable, Codable { case text, select }
        public var key: String
        public var label: String
        public var kind: Kind
        public var required: Bool
        public var defaultValue: String?
        public var hint: String?
        /// For `select`: (label, value) pairs.
        public var options: [Option]
        public var multiple: Bool
        public init(key: String, label: String, kind: Kind, required: Bool = true, defaultValue: String? = nil, hint: String? = nil,
                    options: [Option] = [], multiple: Bool = false) {
            self.key = key
            self.label = label
            self.kind = kind
            self.required = required
            self.defaultValue = defaultValue
            self.hint = hint
            self.options = options
            self.multiple = multiple
        }
    }

    public struct Option: Sendable, Equatable, Codable {
        public var label: String
        public var value: String
        public init(label: String, value: String) {
            self.label = label
            self.value = value
        }
    }

    public struct Trigger: Sendable, Equatable, Codable {
        /// The service (pipeline) in this workspace to build.
        public var service: String
        public var async: Bool
        public var commit: String?
        public var branch: String?
        public var message: String?
        public var env: [String: String]
        public init(service: String, async: Bool, commit: String? = nil, branch: String? = nil, message: String? = nil, env: [String: String] = [:]) {
            self.service = service
            self.async = async
            self.commit = commit
            self.branch = branch
            self.message = message
            self.env = env
        }
    }

    public struct Parallel: Sendable, Equatable, Codable {
        public var index: Int
        public var count: Int
        public init(index: Int, count: Int) {
            self.index = index
            self.count = count
        }
    }

    public struct Concurrency: Sendable, Equatable, Codable {
        public enum Method: String, Sendable, Equatable, Codable { case ordered, eager }
        public var group: String
        public var limit: Int
        public var method: Method
        public init(group: String, limit: Int, method: Method = .ordered) {
            self.group = group
            self.limit = limit
            self.method = method
        }
    }

    public init(id: String, stepKey: String? = nil, label: String, group: String? = nil, kind: Kind, dependsOn: [Dependency] = [],
                env: [String: String] = [:], agents: [String: String] = [:], timeoutMinutes: Int? = nil, retry: RetryPolicy = RetryPolicy(),
                softFail: SoftFail = .none, concurrency: Concurrency? = nil, priority: Int = 0, artifactPaths: [String] = [],
                parallel: Parallel? = nil, location: PipelineLocation? = nil) {
        self.id = id
        self.stepKey = stepKey
        self.label = label
        self.group = group
        self.kind = kind
        self.dependsOn = dependsOn
        self.env = env
        self.agents = agents
        self.timeoutMinutes = timeoutMinutes
        self.retry = retry
        self.softFail = softFail
        self.concurrency = concurrency
        self.priority = priority
        self.artifactPaths = artifactPaths
        self.parallel = parallel
        self.location = location
    }
}

/// `retry`: automatic rules (first matching rule wins) and whether a person may retry by hand.
public struct RetryPolicy: Sendable, Equatable, Codable {
    public struct Rule: Sendable, Equatable, Codable {
        /// nil matches any non-zero exit status (`exit_status: "*"`).
        public var exitStatuses: [Int32]?
        /// `signal_reason` matching is not supported; a rule with only a limit matches any failure.
        public var limit: Int
        public init(exitStatuses: [Int32]?, limit: Int) {
            self.exitStatuses = exitStatuses
            self.limit = limit
        }
    }
    public var automatic: [Rule]
    public var manualAllowed: Bool
    public init(automatic: [Rule] = [], manualAllowed: Bool = true) {
        self.automatic = automatic
        self.manualAllowed = manualAllowed
    }

    /// How many automatic retries are allowed after a failure with `exitStatus`, or 0.
    public func automaticLimit(forExitStatus exitStatus: Int32) -> Int {
        automatic.first { $0.exitStatuses == nil || $0.exitStatuses!.contains(exitStatus) }?.limit ?? 0
    }
}

/// `soft_fail`: a failure that does not fail the build.
public enum SoftFail: Sendable, Equatable, Codable {
    case none, all
    case exitStatuses([Int32])

    public func forgives(_ exitStatus: Int32) -> Bool {
        switch self {
        case .none: return false
        case .all: return true
        case .exitStatuses(let statuses): return statuses.contains(exitStatus)
        }
    }
}

/// A place in a pipeline file.
public struct PipelineLocation: Sendable, Equatable, Codable {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }
}

/// What a build knows when its pipeline is planned: the values `if` expressions, `branches` and
/// `if_changed` are evaluated against.
public struct BuildContext: Sendable, Equatable, Codable {
    public var service: String
    public var number: Int
    public var commit: String
    public var branch: String
    public var message: String
    public var author: String
    public var source: String
    /// Files changed since the branch's last build (nil: unknown, so `if_changed` steps run).
    public var changedFiles: [String]?
    public var env: [String: String]
    public init(service: String, number: Int, commit: String, branch: String, message: String, author: String = "",
                source: String = "ui", changedFiles: [String]? = nil, env: [String: String] = [:]) {
        self.service = service
        self.number = number
        self.commit = commit
        self.branch = branch
        self.message = message
        self.author = author
        self.source = source
        self.changedFiles = changedFiles
        self.env = env
    }
}
