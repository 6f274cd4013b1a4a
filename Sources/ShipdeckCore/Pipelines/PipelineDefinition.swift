import Foundation

/// A parsed, validated Buildkite-style pipeline file: what `PipelineParser` reads and
/// `PipelinePlanner` turns into a `BuildPlan` for one build.
public struct PipelineDefinition: Sendable, Equatable {
    /// The name the file was parsed under (used in every location).
    public var file: String
    /// Top-level `env`.
    public var env: [String: String]
    /// Top-level `agents`.
    public var agents: [String: String]
    public var steps: [PipelineStep]

    public init(file: String, env: [String: String] = [:], agents: [String: String] = [:], steps: [PipelineStep]) {
        self.file = file
        self.env = env
        self.agents = agents
        self.steps = steps
    }
}

/// One entry of `steps`, one case per step kind.
public enum PipelineStep: Sendable, Equatable {
    case command(Command)
    case wait(Wait)
    case block(Block)
    case trigger(Trigger)
    case group(Group)

    /// The attributes every kind of step has.
    public var common: Common {
        switch self {
        case .command(let step): return step.common
        case .wait(let step): return step.common
        case .block(let step): return step.common
        case .trigger(let step): return step.common
        case .group(let step): return step.common
        }
    }

    /// Attributes shared by all step kinds.
    public struct Common: Sendable, Equatable {
        /// `key` (or `id`/`identifier`).
        public var key: String?
        /// `label`/`name`, or the text of `block:`/`input:`/`group:`/`wait:`.
        public var label: String?
        /// `depends_on`; nil when not written, empty for `depends_on: ~` (run without waiting for earlier steps).
        public var dependsOn: [Dependency]?
        public var allowDependencyFailure: Bool
        /// `if`.
        public var condition: PipelineCondition?
        /// `branches`.
        public var branches: BranchFilter?
        public var location: PipelineLocation

        public init(key: String? = nil, label: String? = nil, dependsOn: [Dependency]? = nil, allowDependencyFailure: Bool = false,
                    condition: PipelineCondition? = nil, branches: BranchFilter? = nil, location: PipelineLocation) {
            self.key = key
            self.label = label
            self.dependsOn = dependsOn
            self.allowDependencyFailure = allowDependencyFailure
            self.condition = condition
            self.branches = branches
            self.location = location
        }
    }

    /// One `depends_on` entry.
    public struct Dependency: Sendable, Equatable {
        public var step: String
        public var allowFailure: Bool
        public var location: PipelineLocation
        public init(step: String, allowFailure: Bool = false, location: PipelineLocation) {
            self.step = step
            self.allowFailure = allowFailure
            self.location = location
        }
    }

    /// A command step (`command`/`commands`, optionally Shipdeck's `deploy`).
    public struct Command: Sendable, Equatable {
        public var common: Common
        public var commands: [String]
        public var env: [String: String] = [:]
        public var agents: [String: String] = [:]
        /// `if_changed` globs; empty means the step always runs.
        public var ifChanged: [ChangedFileGlob] = []
        public var timeoutMinutes: Int?
        public var retry = RetryPolicy()
        public var softFail = SoftFail.none
        public var concurrency: PlannedJob.Concurrency?
        public var priority = 0
        public var artifactPaths: [String] = []
        public var parallelism: Int?
        public var matrix: Matrix?
        /// `deploy: {environment: NAME}`.
        public var deployEnvironment: String?

        public init(common: Common, commands: [String]) {
            self.common = common
            self.commands = commands
        }
    }

    /// A `wait` step: later steps in the same scope wait for the earlier ones.
    public struct Wait: Sendable, Equatable {
        public var common: Common
        public var continueOnFailure: Bool
        public init(common: Common, continueOnFailure: Bool = false) {
            self.common = common
            self.continueOnFailure = continueOnFailure
        }
    }

    /// A `block` or `input` step.
    public struct Block: Sendable, Equatable {
        public var common: Common
        public var prompt: String?
        public var fields: [PlannedJob.Field]
        public var blockedState: String
        /// true for `input` (does not put the build in the blocked state).
        public var isInput: Bool
        public init(common: Common, prompt: String? = nil, fields: [PlannedJob.Field] = [], blockedState: String = "passed", isInput: Bool = false) {
            self.common = common
            self.prompt = prompt
            self.fields = fields
            self.blockedState = blockedState
            self.isInput = isInput
        }
    }

    /// A `trigger` step: `trigger` names the service whose pipeline to build.
    public struct Trigger: Sendable, Equatable {
        public var common: Common
        public var trigger: PlannedJob.Trigger
        public init(common: Common, trigger: PlannedJob.Trigger) {
            self.common = common
            self.trigger = trigger
        }
    }

    /// A `group` of steps; its `depends_on`, `if` apply to all of them.
    public struct Group: Sendable, Equatable {
        public var common: Common
        public var steps: [PipelineStep]
        public init(common: Common, steps: [PipelineStep]) {
            self.common = common
            self.steps = steps
        }
    }

    /// `matrix`: the list form is one dimension named "" (`{{matrix}}`); the `setup` form has named dimensions.
    public struct Matrix: Sendable, Equatable {
        public struct Dimension: Sendable, Equatable {
            /// "" for the list form and `setup: [..]`.
            public var name: String
            public var values: [String]
            public init(name: String, values: [String]) {
                self.name = name
                self.values = values
            }
        }
        /// One `adjustments` entry: `with` names a combination (dimension name → value).
        public struct Adjustment: Sendable, Equatable {
            public var with: [String: String]
            public var skip: Bool
            public var softFail: SoftFail?
            public init(with: [String: String], skip: Bool = false, softFail: SoftFail? = nil) {
                self.with = with
                self.skip = skip
                self.softFail = softFail
            }
        }
        public var dimensions: [Dimension]
        public var adjustments: [Adjustment]
        public init(dimensions: [Dimension], adjustments: [Adjustment] = []) {
            self.dimensions = dimensions
            self.adjustments = adjustments
        }
    }
}
