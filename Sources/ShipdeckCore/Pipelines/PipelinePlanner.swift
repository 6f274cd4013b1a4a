import Foundation

/// Turns a `PipelineDefinition` into the `BuildPlan` of one build: evaluates `if`, `branches` and
/// `if_changed`; expands `matrix` and `parallelism`; and makes `wait`, `block`, groups and `depends_on`
/// explicit edges. A removed step drops out, and steps that depended on it inherit its dependencies.
public enum PipelinePlanner {
    /// Plans `definition` for the build described by `context`.
    /// - Returns: the jobs, in file order, with explicit dependencies.
    /// - Throws: `ShipdeckErrors` when the jobs' dependencies form a cycle (through `wait` and `depends_on`).
    public static func plan(_ definition: PipelineDefinition, context: BuildContext) throws(ShipdeckErrors) -> BuildPlan {
        var planner = PlanBuilder(definition: definition, context: context)
        _ = planner.scope(definition.steps, barrier: [], group: nil)
        return try planner.finish()
    }
}

/// The working state of one planning run.
struct PlanBuilder {
    typealias Dependency = PlannedJob.Dependency

    /// What depending on a step key means: its jobs, or (for a removed step) what it depended on.
    enum Target {
        case jobs([String])
        case removed(implicit: [Dependency], explicit: [PipelineStep.Dependency], allowDependencyFailure: Bool)
    }

    /// The group a step sits in, with the group's own dependencies that apply to each of its jobs.
    struct GroupScope {
        var label: String?
        var explicit: [PipelineStep.Dependency]
        var allowDependencyFailure: Bool
    }

    let definition: PipelineDefinition
    let context: BuildContext
    var jobs: [PlannedJob] = []
    /// Per job: `depends_on` entries still to resolve, and whether all its dependencies may fail.
    var pending: [(explicit: [PipelineStep.Dependency], allowFailure: Bool)] = []
    var targets: [String: Target] = [:]
    var ordinal = 0
    var usedIDs: Set<String> = []

    init(definition: PipelineDefinition, context: BuildContext) {
        self.definition = definition
        self.context = context
    }

    /// Plans `steps` in one scope (the top level or one group); returns the ids of the jobs it made.
    mutating func scope(_ steps: [PipelineStep], barrier outer: [Dependency], group: GroupScope?) -> [String] {
        var barrier = outer
        var barrierExplicit: [PipelineStep.Dependency] = []
        var segment: [String] = []
        var made: [String] = []
        for step in steps {
            ordinal += 1
            let common = step.common
            let included = includes(step)
            let implicit = common.dependsOn == [] ? [] : barrier
            let explicit = (common.dependsOn ?? []) + barrierExplicit + (group?.explicit ?? [])
            let allowAll = common.allowDependencyFailure || (group?.allowDependencyFailure ?? false)
            guard included else {
                if case .wait = step { continue }
                remove(step, implicit: implicit, explicit: explicit, allowAll: allowAll)
                continue
            }
            switch step {
            case .wait(let wait):
                barrier = segment.isEmpty ? barrier.map { Dependency(job: $0.job, allowFailure: $0.allowFailure && wait.continueOnFailure) }
                    : segment.map { Dependency(job: $0, allowFailure: wait.continueOnFailure) }
                barrierExplicit = common.dependsOn ?? []
                segment = []
            case .group(let inner):
                let scope = GroupScope(label: common.label ?? common.key, explicit: explicit, allowDependencyFailure: allowAll)
                let ids = self.scope(inner.steps, barrier: implicit, group: scope)
                if let key = common.key { targets[key] = .jobs(ids) }
                segment += ids
                made += ids
            case .block:
                let waitFor = segment.isEmpty ? implicit : (common.dependsOn == [] ? [] : segment.map { Dependency(job: $0, allowFailure: false) })
                let ids = emit(step, implicit: waitFor, explicit: explicit, allowAll: allowAll, group: group?.label)
                barrier = ids.map { Dependency(job: $0, allowFailure: false) }
                barrierExplicit = []
                segment = []
                made += ids
            case .command, .trigger:
                let ids = emit(step, implicit: implicit, explicit: explicit, allowAll: allowAll, group: group?.label)
                segment += ids
                made += ids
            }
        }
        return made
    }

    /// Whether `if`, `branches` and `if_changed` keep the step in this build.
    func includes(_ step: PipelineStep) -> Bool {
        let common = step.common
        if let condition = common.condition, !condition.evaluate(context, pipelineEnv: definition.env) { return false }
        if let branches = common.branches, !branches.matches(context.branch) { return false }
        if case .command(let command) = step, !command.ifChanged.isEmpty, let changed = context.changedFiles {
            return changed.contains { file in command.ifChanged.contains { $0.matches(file) } }
        }
        return true
    }

    private mutating func remove(_ step: PipelineStep, implicit: [Dependency], explicit: [PipelineStep.Dependency], allowAll: Bool) {
        let target = Target.removed(implicit: implicit, explicit: explicit, allowDependencyFailure: allowAll)
        if let key = step.common.key { targets[key] = target }
        if case .group(let group) = step {
            for child in group.steps {
                ordinal += 1
                if let key = child.common.key {
                    targets[key] = .removed(implicit: implicit, explicit: explicit + (child.common.dependsOn ?? []), allowDependencyFailure: allowAll)
                }
            }
        }
    }

    /// Adds the jobs of one command, block or trigger step.
    private mutating func emit(_ step: PipelineStep, implicit: [Dependency], explicit: [PipelineStep.Dependency], allowAll: Bool,
                               group: String?) -> [String] {
        let common = step.common
        let base = common.key ?? "step-\(ordinal)"
        let location = common.location
        var templates: [PlannedJob] = []
        switch step {
        case .command(let command):
            templates = expand(command, base: base, group: group)
        case .block(let block):
            let kind = PlannedJob.Kind.block(.init(prompt: block.prompt, fields: block.fields, blockedState: block.blockedState,
                                                   blocksBuild: !block.isInput))
            templates = [PlannedJob(id: base, stepKey: common.key, label: common.label ?? (block.isInput ? "input" : "block"), group: group, kind: kind)]
        case .trigger(let trigger):
            templates = [PlannedJob(id: base, stepKey: common.key, label: common.label ?? "Trigger \(trigger.trigger.service)", group: group,
                                    kind: .trigger(trigger.trigger))]
        case .wait, .group:
            return []
        }
        var ids: [String] = []
        for var job in templates {
            job.id = unique(job.id)
            job.location = location
            job.dependsOn = implicit
            jobs.append(job)
            pending.append((explicit, allowAll))
            ids.append(job.id)
        }
        if let key = common.key { targets[key] = .jobs(ids) }
        return ids
    }

    private mutating func unique(_ id: String) -> String {
        var candidate = id, counter = 2
        while usedIDs.contains(candidate) { candidate = "\(id)-\(counter)"; counter += 1 }
        usedIDs.insert(candidate)
        return candidate
    }

    /// Resolves `depends_on` entries, merges duplicate edges and rejects cycles.
    mutating func finish() throws(ShipdeckErrors) -> BuildPlan {
        for index in jobs.indices {
            var merged: [String: Bool] = [:]
            var order: [String] = []
            let (explicit, allowAll) = pending[index]
            let resolved = jobs[index].dependsOn + explicit.flatMap { resolve($0.step, allowFailure: $0.allowFailure, visiting: []) }
            for dependency in resolved where dependency.job != jobs[index].id {
                if let existing = merged[dependency.job] { merged[dependency.job] = existing && dependency.allowFailure } else {
                    merged[dependency.job] = dependency.allowFailure
                    order.append(dependency.job)
                }
            }
            jobs[index].dependsOn = order.map { Dependency(job: $0, allowFailure: allowAll || merged[$0]!) }
        }
        if let cycle = PlanCycleFinder(jobs: jobs).cycle() {
            let first = jobs.first { $0.id == cycle[0] }?.location
            throw ShipdeckErrors([ShipdeckError(.config, "the steps depend on each other in a cycle: " + (cycle + [cycle[0]]).joined(separator: " → "),
                                                at: first.map { SourceLocation(file: $0.file, line: $0.line, column: $0.column) },
                                                hint: "a depends_on points at a step that waits for this one; remove one of them")])
        }
        return BuildPlan(jobs: jobs)
    }

    private func resolve(_ key: String, allowFailure: Bool, visiting: Set<String>) -> [Dependency] {
        guard !visiting.contains(key), let target = targets[key] else { return [] }
        switch target {
        case .jobs(let ids):
            return ids.map { Dependency(job: $0, allowFailure: allowFailure) }
        case .removed(let implicit, let explicit, let allowAll):
            let inherited = implicit + explicit.flatMap { resolve($0.step, allowFailure: $0.allowFailure, visiting: visiting.union([key])) }
            return inherited.map { Dependency(job: $0.job, allowFailure: allowFailure || allowAll || $0.allowFailure) }
        }
    }
}

/// Finds a dependency cycle among planned jobs.
struct PlanCycleFinder {
    let jobs: [PlannedJob]

    func cycle() -> [String]? {
        let index = Dictionary(jobs.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        let edges = jobs.map { $0.dependsOn.compactMap { index[$0.job] } }
        return GraphCycle.find(edges).map { $0.map { jobs[$0].id } }
    }
}
