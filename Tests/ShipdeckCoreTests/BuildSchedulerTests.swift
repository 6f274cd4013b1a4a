import Foundation
import Testing
@testable import ShipdeckCore

/// A small plan language for scheduler tables: `job("b", after: "a", "c?")` depends on `a` strictly and
/// on `c` with `allowFailure` (what `wait: {continue_on_failure: true}` and `allow_failure` plan to).
enum SchedulerFixtures {
    static func job(_ id: String, after dependencies: String..., block: Bool = false, input: Bool = false) -> PlannedJob {
        let edges = dependencies.map { name in
            name.hasSuffix("?") ? PlannedJob.Dependency(job: String(name.dropLast()), allowFailure: true)
                                : PlannedJob.Dependency(job: name, allowFailure: false)
        }
        let kind: PlannedJob.Kind = block || input ? .block(.init(prompt: nil, fields: [], blocksBuild: !input))
                                                   : .command(commands: ["true"], deploy: nil)
        return PlannedJob(id: id, label: id, kind: kind, dependsOn: edges)
    }

    /// Job records from `"a:passed b:waiting"`.
    static func states(_ text: String) -> [String: JobRecord] {
        var jobs: [String: JobRecord] = [:]
        for pair in text.split(separator: " ") {
            let parts = pair.split(separator: ":").map(String.init)
            jobs[parts[0]] = JobRecord(id: parts[0], label: parts[0], kind: "command", state: JobRecord.State(rawValue: parts[1])!)
        }
        return jobs
    }
}

/// One row of a scheduler table.
struct SchedulerCase: Sendable, CustomTestStringConvertible {
    var name: String
    var plan: [PlannedJob]
    var states: String
    var ready: [String] = []
    var broken: [String] = []
    var build: BuildRecord.State = .running
    var testDescription: String { name }
}

@Suite struct BuildSchedulerTests {
    typealias F = SchedulerFixtures

    static let stepCases: [SchedulerCase] = [
        SchedulerCase(name: "independent jobs are all ready", plan: [F.job("a"), F.job("b")], states: "a:waiting b:waiting", ready: ["a", "b"]),
        SchedulerCase(name: "depends_on waits for an unfinished job", plan: [F.job("a"), F.job("b", after: "a")],
                      states: "a:running b:waiting"),
        SchedulerCase(name: "depends_on is satisfied by a pass", plan: [F.job("a"), F.job("b", after: "a")],
                      states: "a:passed b:waiting", ready: ["b"]),
        SchedulerCase(name: "every dependency must finish", plan: [F.job("a"), F.job("b"), F.job("c", after: "a", "b")],
                      states: "a:passed b:running c:waiting"),
        SchedulerCase(name: "a failed dependency breaks its dependant", plan: [F.job("a"), F.job("b", after: "a")],
                      states: "a:failed b:waiting", broken: ["b"]),
        SchedulerCase(name: "timed out, canceled and lost dependencies break too",
                      plan: [F.job("t"), F.job("c"), F.job("l"), F.job("x", after: "t"), F.job("y", after: "c"), F.job("z", after: "l")],
                      states: "t:timedOut c:canceled l:lost x:waiting y:waiting z:waiting", broken: ["x", "y", "z"]),
        SchedulerCase(name: "continue_on_failure runs after a failure", plan: [F.job("a"), F.job("b", after: "a?")],
                      states: "a:failed b:waiting", ready: ["b"]),
        SchedulerCase(name: "continue_on_failure still waits for the job to finish", plan: [F.job("a"), F.job("b", after: "a?")],
                      states: "a:running b:waiting"),
        SchedulerCase(name: "a strict edge breaks even when another edge allows failure",
                      plan: [F.job("a"), F.job("b"), F.job("c", after: "a?", "b")],
                      states: "a:failed b:failed c:waiting", broken: ["c"]),
        SchedulerCase(name: "soft-failed counts as success", plan: [F.job("a"), F.job("b", after: "a")],
                      states: "a:softFailed b:waiting", ready: ["b"]),
        SchedulerCase(name: "an unblocked block releases its dependants", plan: [F.job("gate", block: true), F.job("ship", after: "gate")],
                      states: "gate:unblocked ship:waiting", ready: ["ship"]),
        SchedulerCase(name: "a block step is ready once its dependencies pass", plan: [F.job("a"), F.job("gate", after: "a", block: true)],
                      states: "a:passed gate:waiting", ready: ["gate"]),
        SchedulerCase(name: "a dependency filtered out of the plan is ignored", plan: [F.job("b", after: "gone")],
                      states: "b:waiting", ready: ["b"]),
        SchedulerCase(name: "only waiting jobs are considered", plan: [F.job("a"), F.job("b")], states: "a:running b:waitingForAgent"),
    ]

    @Test(arguments: stepCases)
    func stepFindsReadyAndBrokenJobs(_ row: SchedulerCase) {
        let step = BuildScheduler.step(plan: BuildPlan(jobs: row.plan), jobs: F.states(row.states))
        #expect(step.ready == row.ready)
        #expect(step.broken == row.broken)
    }

    @Test func brokenPropagatesDownAChainUntilNothingChanges() {
        let plan = BuildPlan(jobs: [F.job("a"), F.job("b", after: "a"), F.job("c", after: "b"), F.job("d", after: "c?"), F.job("e")])
        var jobs = F.states("a:failed b:waiting c:waiting d:waiting e:passed")
        var rounds: [[String]] = []
        var step = BuildScheduler.step(plan: plan, jobs: jobs)
        while !step.broken.isEmpty {
            rounds.append(step.broken)
            for id in step.broken { jobs[id]?.state = .broken }
            step = BuildScheduler.step(plan: plan, jobs: jobs)
        }
        #expect(rounds == [["b"], ["c"]])
        #expect(step.ready == ["d"])  // continue_on_failure: runs after a broken job too
        #expect(BuildScheduler.buildState(plan: plan, jobs: jobs) == .running)
        jobs["d"]?.state = .passed
        #expect(BuildScheduler.buildState(plan: plan, jobs: jobs) == .failed)
    }

    static let buildCases: [SchedulerCase] = [
        SchedulerCase(name: "all passed", plan: [F.job("a"), F.job("b", after: "a")], states: "a:passed b:passed", build: .passed),
        SchedulerCase(name: "a running job keeps the build running", plan: [F.job("a"), F.job("b")], states: "a:passed b:running", build: .running),
        SchedulerCase(name: "a job waiting for an agent keeps the build running", plan: [F.job("a")], states: "a:waitingForAgent", build: .running),
        SchedulerCase(name: "a ready job keeps the build running", plan: [F.job("a"), F.job("b", after: "a")], states: "a:passed b:waiting",
                      ready: ["b"], build: .running),
        SchedulerCase(name: "a failure with a broken dependant fails the build", plan: [F.job("a"), F.job("b", after: "a")],
                      states: "a:failed b:broken", build: .failed),
        SchedulerCase(name: "a failure fails the build even when continue_on_failure ran on", plan: [F.job("a"), F.job("b", after: "a?")],
                      states: "a:failed b:passed", build: .failed),
        SchedulerCase(name: "soft-failed jobs let the build pass", plan: [F.job("a"), F.job("b", after: "a")],
                      states: "a:softFailed b:passed", build: .passed),
        SchedulerCase(name: "a block holding up the rest makes the build blocked",
                      plan: [F.job("a"), F.job("gate", after: "a", block: true), F.job("ship", after: "gate")],
                      states: "a:passed gate:blocked ship:waiting", build: .blocked),
        SchedulerCase(name: "a block does not hide work that can still run",
                      plan: [F.job("gate", block: true), F.job("ship", after: "gate"), F.job("lint")],
                      states: "gate:blocked ship:waiting lint:waiting", ready: ["lint"], build: .running),
        SchedulerCase(name: "an input step does not make the build blocked",
                      plan: [F.job("notes", input: true), F.job("ship", after: "notes")],
                      states: "notes:blocked ship:waiting", build: .running),
        SchedulerCase(name: "an unblocked block and its passed dependants pass",
                      plan: [F.job("gate", block: true), F.job("ship", after: "gate")], states: "gate:unblocked ship:passed", build: .passed),
        SchedulerCase(name: "canceled jobs cancel the build once nothing runs", plan: [F.job("a"), F.job("b", after: "a")],
                      states: "a:canceled b:canceled", build: .canceled),
        SchedulerCase(name: "a canceled build stays running while a job is still stopping", plan: [F.job("a"), F.job("b")],
                      states: "a:canceled b:running", build: .running),
        SchedulerCase(name: "a lost job fails the build", plan: [F.job("a")], states: "a:lost", build: .failed),
    ]

    @Test(arguments: buildCases)
    func buildStateFollowsItsJobs(_ row: SchedulerCase) {
        let jobs = F.states(row.states)
        #expect(BuildScheduler.buildState(plan: BuildPlan(jobs: row.plan), jobs: jobs) == row.build)
        #expect(BuildScheduler.step(plan: BuildPlan(jobs: row.plan), jobs: jobs).ready == row.ready)
    }
}

@Suite struct AgentPoolTests {
    static let defaultOnly = [AgentSlotConfig(tags: ["queue": "default"], count: 2)]
    static let withProd = defaultOnly + [AgentSlotConfig(tags: ["queue": "deploy-prod", "os": "linux"], count: 1)]

    @Test func aProdDeployJobNeverTakesADefaultSlotAndSaysWhyItWaits() {
        var pool = AgentPool(Self.defaultOnly)
        let prod = ["queue": "deploy-prod"]
        #expect(pool.acquire(for: prod) == nil)
        #expect(!pool.exists(for: prod))
        #expect(pool.slots.map(\.busy) == [0])
        #expect(AgentPool.waitingText(prod, exists: pool.exists(for: prod))
                == "waiting for an agent with queue=deploy-prod (no slot has these tags)")
    }

    @Test func aProdDeployJobRunsOnlyOnTheSlotConfiguredForProd() {
        var pool = AgentPool(Self.withProd)
        #expect(pool.acquire(for: ["queue": "deploy-prod"]) == 1)
        #expect(pool.acquire(for: ["queue": "deploy-prod"]) == nil)  // capacity 1
        #expect(pool.slots.map(\.busy) == [0, 1])
        #expect(pool.acquire(for: ["queue": "deploy-prod", "os": "*"]) == nil)
        pool.release(1)
        #expect(pool.acquire(for: ["queue": "deploy-prod", "os": "*"]) == 1)
        #expect(pool.acquire(for: ["queue": "deploy-prod", "os": "mac"]) == nil)
        #expect(!pool.exists(for: ["queue": "deploy-prod", "os": "mac"]))
    }

    @Test func jobsWithoutTagsNeedTheDefaultQueueAndRespectItsCapacity() {
        var pool = AgentPool(Self.withProd)
        #expect(AgentPool.requirement([:]) == ["queue": "default"])
        #expect(pool.acquire(for: [:]) == 0)
        #expect(pool.acquire(for: ["queue": "default"]) == 0)
        #expect(pool.acquire(for: [:]) == nil)  // both default slots busy; the prod slot is not borrowed
        #expect(pool.exists(for: [:]))
        #expect(AgentPool.waitingText([:], exists: true) == "waiting for a free agent with queue=default")
        pool.release(0)
        #expect(pool.acquire(for: [:]) == 0)
        pool.release(0)
        pool.release(0)
        pool.release(0)  // releasing more than was taken never goes below zero
        #expect(pool.slots.map(\.busy) == [0, 0])
    }

    @Test func waitingTextListsEveryTagInOrder() {
        #expect(AgentPool.waitingText(["queue": "deploy", "arch": "arm64"], exists: false)
                == "waiting for an agent with arch=arm64 queue=deploy (no slot has these tags)")
    }
}
