import Foundation

/// The pure part of scheduling one build: which jobs can start, which can never run, and what state
/// the build is in — from the plan and the jobs' current states. The engine does the I/O.
public enum BuildScheduler {
    public struct Step: Sendable, Equatable {
        /// Jobs whose dependencies are all satisfied (block steps included), in plan order.
        public var ready: [String]
        /// Jobs that can never run because a dependency failed.
        public var broken: [String]
    }

    public static func step(plan: BuildPlan, jobs: [String: JobRecord]) -> Step {
        var ready: [String] = [], broken: [String] = []
        for planned in plan.jobs {
            guard let job = jobs[planned.id], job.state == .waiting else { continue }
            var satisfied = true
            var blocked = false
            for dependency in planned.dependsOn {
                guard let other = jobs[dependency.job] else { continue }  // a filtered-out step
                if !other.state.isFinished { satisfied = false; continue }
                if !other.state.countsAsSuccess && !dependency.allowFailure { blocked = true }
            }
            if blocked { broken.append(planned.id) } else if satisfied { ready.append(planned.id) }
        }
        return Step(ready: ready, broken: broken)
    }

    /// The build's state from its jobs: running while anything runs or can still run; blocked when
    /// only block steps hold it up; then passed or failed.
    public static func buildState(plan: BuildPlan, jobs: [String: JobRecord]) -> BuildRecord.State {
        let states = plan.jobs.compactMap { jobs[$0.id] }
        if states.contains(where: { $0.state == .canceled }) && !states.contains(where: { $0.state == .running }) { return .canceled }
        if states.contains(where: { $0.state == .running || $0.state == .waitingForAgent }) { return .running }
        let blockers = plan.jobs.filter { job in
            guard case .block(let block) = job.kind else { return false }
            return block.blocksBuild && jobs[job.id]?.state == .blocked
        }
        let progress = step(plan: plan, jobs: jobs)
        if !progress.ready.isEmpty { return .running }
        if !blockers.isEmpty { return .blocked }
        if states.contains(where: { $0.state == .waiting || $0.state == .blocked }) && progress.broken.isEmpty { return .running }
        let failed = states.contains { $0.state.isFinished && !$0.state.countsAsSuccess }
        return failed ? .failed : .passed
    }
}

/// The core's local agent slots: a job runs on a slot whose tags include every tag the job asks for.
public struct AgentPool: Sendable {
    public struct Slot: Sendable, Equatable {
        public var tags: [String: String]
        public var capacity: Int
        public var busy: Int
    }
    public private(set) var slots: [Slot]

    public init(_ config: [AgentSlotConfig]) {
        slots = config.map { Slot(tags: $0.tags, capacity: $0.count, busy: 0) }
    }

    /// The tags a job needs: its own, or `queue=default` when it names none.
    public static func requirement(_ agents: [String: String]) -> [String: String] {
        agents.isEmpty ? ["queue": "default"] : agents
    }

    static func matches(_ slot: Slot, _ requirement: [String: String]) -> Bool {
        requirement.allSatisfy { key, value in value == "*" ? slot.tags[key] != nil : slot.tags[key] == value }
    }

    /// Whether any slot could ever run a job with these tags.
    public func exists(for agents: [String: String]) -> Bool {
        let requirement = Self.requirement(agents)
        return slots.contains { Self.matches($0, requirement) }
    }

    /// Takes a free matching slot; returns its index, or nil when all matching slots are busy.
    public mutating func acquire(for agents: [String: String]) -> Int? {
        let requirement = Self.requirement(agents)
        guard let index = slots.indices.first(where: { Self.matches(slots[$0], requirement) && slots[$0].busy < slots[$0].capacity }) else { return nil }
        slots[index].busy += 1
        return index
    }

    public mutating func release(_ index: Int) {
        slots[index].busy = max(0, slots[index].busy - 1)
    }

    /// "waiting for an agent with queue=deploy" (the words Buildkite shows).
    public static func waitingText(_ agents: [String: String], exists: Bool) -> String {
        let tags = requirement(agents).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return exists ? "waiting for a free agent with \(tags)" : "waiting for an agent with \(tags) (no slot has these tags)"
    }
}
