import Foundation
import Testing
@testable import ShipdeckCore

@Suite struct PipelinePlannerTests {
    typealias F = PipelineFixtures

    static let context = BuildContext(service: "orders", number: 7, commit: "abc123", branch: "main", message: "Fix login", author: "Ana")

    func plan(_ lines: [String], context: BuildContext = Self.context) throws -> BuildPlan {
        try PipelinePlanner.plan(try F.parse(lines), context: context)
    }

    func deps(_ plan: BuildPlan, _ id: String) -> [String] {
        plan.jobs.first { $0.id == id }?.dependsOn.map { $0.allowFailure ? "\($0.job)?" : $0.job } ?? ["<no job \(id)>"]
    }

    @Test func waitMakesLaterJobsDependOnEarlierOnes() throws {
        let plan = try plan(["steps:", "  - {key: a, command: x}", "  - {key: b, command: y}", "  - wait", "  - {key: c, command: z}",
                             "  - wait: ~", "    continue_on_failure: true", "  - {key: d, command: w}"])
        #expect(plan.jobs.map(\.id) == ["a", "b", "c", "d"])
        #expect(deps(plan, "a") == [] && deps(plan, "b") == [])
        #expect(deps(plan, "c") == ["a", "b"])
        #expect(deps(plan, "d") == ["c?"])
    }

    @Test func unkeyedStepsGetStableGeneratedIdsAndCommandLabels() throws {
        let plan = try plan(["steps:", "  - command: make lint", "  - wait", "  - command: make test"])
        #expect(plan.jobs.map(\.id) == ["step-1", "step-3"])
        #expect(plan.jobs.map(\.label) == ["make lint", "make test"])
    }

    @Test func blockIsAJobThatLaterJobsDependOn() throws {
        let plan = try plan(["steps:", "  - {key: test, command: x}", "  - block: Release", "    key: release", "    prompt: Sure?",
                             "  - {key: prod, command: y}", "  - input: Notes", "  - {key: after, command: z}"])
        #expect(deps(plan, "release") == ["test"])
        #expect(deps(plan, "prod") == ["release"])
        #expect(deps(plan, "step-4") == ["prod"])
        #expect(deps(plan, "after") == ["step-4"])
        guard case .block(let block) = plan.jobs[1].kind, case .block(let input) = plan.jobs[3].kind else { Issue.record("no block jobs"); return }
        #expect(block == PlannedJob.Block(prompt: "Sure?", fields: [], blockedState: "passed", blocksBuild: true))
        #expect(!input.blocksBuild)
    }

    @Test func dependsOnAddsEdgesWithAllowFailureAndEmptyDependsOnIgnoresWaits() throws {
        let plan = try plan(["steps:", "  - {key: a, command: x}", "  - {key: b, command: y}", "  - wait",
                             "  - {key: c, command: z, depends_on: [{step: a, allow_failure: true}]}",
                             "  - {key: d, command: z, depends_on: ~}",
                             "  - {key: e, command: z, depends_on: d, allow_dependency_failure: true}"])
        #expect(deps(plan, "c") == ["a", "b"])  // the wait's strict edge wins over allow_failure on the same job
        #expect(deps(plan, "d") == [])
        #expect(deps(plan, "e") == ["a?", "b?", "d?"])
    }

    @Test func groupsScopeWaitsAndGroupDependsOnAppliesToEveryJob() throws {
        let plan = try plan(["steps:", "  - {key: setup, command: s}",
                             "  - group: Tests", "    key: tests", "    depends_on: setup", "    steps:",
                             "      - {key: unit, command: u}", "      - wait", "      - {key: report, command: r}",
                             "  - {key: lint, command: l}",
                             "  - {key: ship, command: x, depends_on: tests}"])
        #expect(deps(plan, "unit") == ["setup"])
        #expect(deps(plan, "report") == ["unit", "setup"])
        #expect(deps(plan, "lint") == [])
        #expect(deps(plan, "ship") == ["unit", "report"])
        #expect(plan.jobs.first { $0.id == "unit" }?.group == "Tests")
    }

    @Test func topLevelWaitAfterGroupWaitsForAllGroupJobs() throws {
        let plan = try plan(["steps:", "  - group: G", "    steps: [{key: a, command: x}, {key: b, command: y}]", "  - wait", "  - {key: c, command: z}"])
        #expect(deps(plan, "c") == ["a", "b"])
    }

    @Test func removedStepsDropOutAndDependentsInheritTheirDependencies() throws {
        let plan = try plan(["steps:", "  - {key: a, command: x}", "  - wait",
                             "  - {key: b, command: y, branches: release/*}", "  - wait",
                             "  - {key: c, command: z}", "  - {key: d, command: w, depends_on: b, if: build.branch == \"nope\"}",
                             "  - {key: e, command: v, depends_on: d}"])
        #expect(plan.jobs.map(\.id) == ["a", "c", "e"])
        #expect(deps(plan, "c") == ["a"])
        #expect(deps(plan, "e") == ["a"])
    }

    @Test func branchesFilterSteps() throws {
        let lines = ["steps:", "  - {key: main-only, command: x, branches: main}", "  - {key: features, command: x, branches: \"feature/* !feature/wip*\"}",
                     "  - {key: not-main, command: x, branches: \"!main\"}"]
        func ids(_ branch: String) throws -> [String] {
            var context = Self.context
            context.branch = branch
            return try plan(lines, context: context).jobs.map(\.id)
        }
        #expect(try ids("main") == ["main-only"])
        #expect(try ids("feature/login") == ["features", "not-main"])
        #expect(try ids("feature/wip-2") == ["not-main"])
    }

    @Test func ifChangedRunsOnlyWhenAMatchingFileChanged() throws {
        let lines = ["steps:", "  - {key: docs, command: x, if_changed: \"docs/**/*.md\"}", "  - {key: app, command: y, if_changed: [\"src/**\", \"*.swift\"]}",
                     "  - {key: any, command: z, if_changed: \"{api,web}/**\"}"]
        func ids(_ changed: [String]?) throws -> [String] {
            var context = Self.context
            context.changedFiles = changed
            return try plan(lines, context: context).jobs.map(\.id)
        }
        #expect(try ids(nil) == ["docs", "app", "any"])
        #expect(try ids([]) == [])
        #expect(try ids(["docs/guide/intro.md"]) == ["docs"])
        #expect(try ids(["docs/intro.md", "Package.swift"]) == ["docs", "app"])
        #expect(try ids(["src/a/b.c"]) == ["app"])
        #expect(try ids(["Sources/x.swift", "web/index.html"]) == ["any"])
    }

    @Test func matrixListFormInterpolatesCommandsLabelsAndEnv() throws {
        let plan = try plan(["steps:", "  - key: test", "    label: \"Test {{matrix}}\"", "    command: \"pytest --py {{ matrix }}\"",
                             "    env: {PY: \"{{matrix}}\"}", "    matrix: [\"3.11\", \"3.12\"]"])
        #expect(plan.jobs.map(\.id) == ["test-3.11", "test-3.12"])
        #expect(plan.jobs.map(\.label) == ["Test 3.11", "Test 3.12"])
        #expect(plan.jobs.map(\.kind) == [.command(commands: ["pytest --py 3.11"], deploy: nil), .command(commands: ["pytest --py 3.12"], deploy: nil)])
        #expect(plan.jobs.map { $0.env["PY"] } == ["3.11", "3.12"])
    }

    @Test func matrixSetupExpandsEveryCombinationAndAppliesAdjustments() throws {
        let plan = try plan(["steps:", "  - key: build", "    label: Build", "    command: make {{matrix.os}}/{{matrix.arch}}",
                             "    agents: {queue: \"{{matrix.os}}\"}", "    soft_fail: [{exit_status: 9}]",
                             "    matrix:", "      setup: {os: [linux, macos], arch: [amd64, arm64]}", "      adjustments:",
                             "        - {with: {os: macos, arch: amd64}, skip: \"no runners\"}",
                             "        - {with: {os: linux, arch: arm64}, soft_fail: true}",
                             "        - {with: {os: windows, arch: amd64}}",
                             "        - {with: {os: bsd, arch: amd64}, skip: true}",
                             "  - wait", "  - {key: after, command: done}"])
        #expect(plan.jobs.map(\.id) == ["build-linux-amd64", "build-linux-arm64", "build-macos-arm64", "build-windows-amd64", "after"])
        #expect(plan.jobs[0].label == "Build (linux, amd64)")
        #expect(plan.jobs[0].kind == .command(commands: ["make linux/amd64"], deploy: nil))
        #expect(plan.jobs[2].agents == ["queue": "macos"])
        #expect(plan.jobs.map(\.softFail).prefix(4) == [.exitStatuses([9]), .all, .exitStatuses([9]), .exitStatuses([9])])
        #expect(deps(plan, "after") == ["build-linux-amd64", "build-linux-arm64", "build-macos-arm64", "build-windows-amd64"])
    }

    @Test func parallelismMakesNumberedJobs() throws {
        let plan = try plan(["steps:", "  - {key: shard, label: Shard, command: test, parallelism: 3}", "  - wait", "  - {key: merge, command: m}"])
        #expect(plan.jobs.map(\.id) == ["shard-0", "shard-1", "shard-2", "merge"])
        #expect(plan.jobs.prefix(3).map(\.parallel) == [.init(index: 0, count: 3), .init(index: 1, count: 3), .init(index: 2, count: 3)])
        #expect(plan.jobs.prefix(3).map(\.label) == ["Shard 1/3", "Shard 2/3", "Shard 3/3"])
        #expect(deps(plan, "merge") == ["shard-0", "shard-1", "shard-2"])
    }

    @Test func mergesEnvAndAgentsStepWins() throws {
        let plan = try plan(["env: {A: pipeline, B: pipeline}", "agents: {queue: default, os: linux}", "steps:",
                             "  - {command: x, env: {B: step}, agents: {queue: deploy}}"])
        #expect(plan.jobs[0].env == ["A": "pipeline", "B": "step"])
        #expect(plan.jobs[0].agents == ["queue": "deploy", "os": "linux"])
    }

    @Test func copiesCommandAttributesAndTriggersIntoJobs() throws {
        let plan = try plan(["steps:",
                             "  - {key: d, command: ./d, deploy: {environment: test}, timeout_in_minutes: 5, priority: 2, artifact_paths: out/*,",
                             "     concurrency: 1, concurrency_group: deploy/test, retry: {automatic: {exit_status: [1, 2], limit: 3}}}",
                             "  - {key: t, trigger: payments, build: {branch: main}}"])
        let job = plan.jobs[0]
        #expect(job.kind == .command(commands: ["./d"], deploy: "test"))
        #expect(job.timeoutMinutes == 5 && job.priority == 2 && job.artifactPaths == ["out/*"])
        #expect(job.concurrency == .init(group: "deploy/test", limit: 1, method: .ordered))
        #expect(job.retry.automaticLimit(forExitStatus: 2) == 3 && job.retry.automaticLimit(forExitStatus: 3) == 0)
        #expect(job.location == PipelineLocation(file: "pipeline.yml", line: 2, column: 5))
        #expect(plan.jobs[1].kind == .trigger(.init(service: "payments", async: false, branch: "main")))
        #expect(plan.jobs[1].label == "Trigger payments")
    }

    @Test func plansTheDemoPipeline() throws {
        let definition = try PipelineParser.parse(DemoServiceFiles(name: "orders", message: "hi").pipeline, file: "pipeline.yml")
        let plan = try PipelinePlanner.plan(definition, context: Self.context)
        #expect(plan.jobs.map(\.id) == ["lint", "unit-tests", "contract-tests", "build-image", "deploy-test", "release", "deploy-prod"])
        #expect(deps(plan, "build-image") == ["lint", "unit-tests", "contract-tests"])
        #expect(deps(plan, "deploy-test") == ["build-image"])
        #expect(deps(plan, "release") == ["deploy-test"])
        #expect(deps(plan, "deploy-prod") == ["release"])
        #expect(plan.jobs.first { $0.id == "build-image" }?.artifactPaths == ["build/*.tar.gz"])
    }
}
