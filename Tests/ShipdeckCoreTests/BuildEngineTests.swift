import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import ShipdeckCore

@Suite("BuildEngine")
struct BuildEngineTests {
    typealias F = EngineFixtures

    // MARK: - Running builds

    @Test func passingBuildRunsJobsInOrderAtItsCommitAndStoresTheirLogs() async throws {
        let workspace = try EngineWorkspace(pipeline: """
            steps:
              - {label: Lint, key: lint, command: "echo lint >> {{scratch}}/order; echo style ok"}
              - wait
              - label: Unit
                key: unit
                commands:
                  - echo unit >> {{scratch}}/order
                  - cat README.md
                  - echo "build $BUILDKITE_BUILD_NUMBER of $BUILDKITE_PIPELINE_SLUG on $BUILDKITE_BRANCH"
                  - echo oops >&2
            """)
        try await workspace.run { core in
            let started = try await core.builds.start(service: "app", by: "ana", source: "ui")
            #expect(started.number == 1)
            let build = try await core.awaitFinished()
            #expect(build.state == .passed)
            #expect(build.jobs.map { "\($0.id):\($0.state)" } == ["lint:passed", "unit:passed"])
            let lint = try #require(build.job("lint")), unit = try #require(build.job("unit"))
            #expect(try #require(unit.startedAt) >= (try #require(lint.finishedAt)))
            #expect(workspace.scratchText("order") == "lint\nunit\n")
            #expect(try await core.logTexts("lint") == ["style ok"])
            let unitOut = try await core.logTexts("unit", stream: .stdout)
            #expect(unitOut == ["checked out at the build's commit", "build 1 of app on main"])
            #expect(try await core.logTexts("unit", stream: .stderr) == ["oops"])
            #expect(await core.snapshot().pipelines.first?.builds.first?.state == .passed)
        }
    }

    @Test func stepKeysReachTheJobAndAreNotMaskedAsSecrets() async throws {
        let workspace = try EngineWorkspace(pipeline: """
            steps:
              - {key: unit, command: "echo \\"unit tests for step $BUILDKITE_STEP_KEY\\""}
            """)
        try await workspace.run { core in
            try await core.perform(.startBuild(service: "app", commit: nil, branch: nil, message: nil), as: "ana")
            #expect(try await core.awaitFinished().state == .passed)
            let log = try await core.logTexts("unit")
            // BUILDKITE_STEP_KEY/SHIPDECK_STEP_KEY contain KEY but are not secrets: the key is not masked.
            #expect(log == ["unit tests for step unit"])
        }
    }

    @Test func failingStepBreaksItsDependantsButContinueOnFailureRunsOn() async throws {
        let workspace = try EngineWorkspace(pipeline: """
            steps:
              - {key: compile, command: "echo compiling; exit 3"}
              - {key: docs, command: "echo docs"}
              - wait
              - {key: package, command: "touch {{scratch}}/packaged"}
              - wait: ~
                continue_on_failure: true
              - {key: report, command: "echo report"}
            """)
        try await workspace.run { core in
            try await core.perform(.startBuild(service: "app", commit: nil, branch: nil, message: nil), as: "ana")
            let build = try await core.awaitFinished()
            #expect(build.state == .failed)
            #expect(build.jobs.map { "\($0.id):\($0.state)" } == ["compile:failed", "docs:passed", "package:broken", "report:passed"])
            #expect(build.job("compile")?.exitStatus == 3)
            #expect(build.job("compile")?.detail == "exited with status 3")
            #expect(build.job("package")?.detail == "a job it depends on failed")
            #expect(workspace.scratchText("packaged") == nil)
            #expect(try await core.logTexts("compile") == ["compiling"])
        }
    }

    @Test func automaticRetryOnAMatchingExitStatusKeepsEveryAttemptsLog() async throws {
        let workspace = try EngineWorkspace(pipeline: """
            steps:
              - key: flaky
                command: |
                  n=$(( $(cat {{scratch}}/count 2>/dev/null || echo 0) + 1 ))
                  echo $n > {{scratch}}/count
                  echo "attempt $n"
                  test $n -ge 3 || exit 7
                retry:
                  automatic: [{exit_status: 7, limit: 2}]
              - key: other-status
                command: "echo once >> {{scratch}}/other; exit 8"
                retry:
                  automatic: [{exit_status: 7, limit: 2}]
            """)
        try await workspace.run { core in
            try await core.perform(.startBuild(service: "app", commit: nil, branch: nil, message: nil), as: "ana")
            let build = try await core.awaitFinished()
            let flaky = try #require(build.job("flaky"))
            #expect(flaky.state == .passed)
            #expect(flaky.attempt == 3)
            for attempt in 1...3 {
                #expect(try await core.logTexts("flaky", attempt: attempt, stream: .stdout) == ["attempt \(attempt)"])
            }
            #expect(try await core.logTexts("flaky") == ["attempt 3"])  // the current attempt by default
            #expect(build.job("other-status")?.state == .failed)
            #expect(build.job("other-status")?.attempt == 1)
            #expect(workspace.scratchText("other") == "once\n")
            #expect(build.state == .failed)
        }
    }

    @Test func softFailedJobsDoNotFailTheBuildOrBreakDependants() async throws {
        let workspace = try EngineWorkspace(pipeline: """
            steps:
              - {key: audit, command: "echo audit; exit 2", soft_fail: [{exit_status: 2}]}
              - {key: spellcheck, command: "exit 9", soft_fail: true}
              - wait
              - {key: ship, command: "echo shipped"}
            """)
        try await workspace.run { core in
            try await core.perform(.startBuild(service: "app", commit: nil, branch: nil, message: nil), as: "ana")
            let build = try await core.awaitFinished()
            #expect(build.jobs.map { "\($0.id):\($0.state)" } == ["audit:softFailed", "spellcheck:softFailed", "ship:passed"])
            #expect(build.job("audit")?.exitStatus == 2)
            #expect(build.state == .passed)
        }
    }

    @Test func concurrencyGroupOfOneNeverRunsTwoJobsAtOnceAndKeepsArrivalOrder() async throws {
        let step = { (name: String) in
            """
              - key: \(name)
                command: |
                  echo "start \(name) $(date +%s.%N)" >> {{scratch}}/marks
                  sleep 0.3
                  echo "end \(name) $(date +%s.%N)" >> {{scratch}}/marks
                concurrency: 1
                concurrency_group: app/migrations
            """
        }
        let workspace = try EngineWorkspace(pipeline: (["steps:"] + ["one", "two", "three"].map(step)).joined(separator: "\n") + "\n",
                                            agents: ["{tags: {queue: default}, count: 3}"])
        try await workspace.run { core in
            try await core.perform(.startBuild(service: "app", commit: nil, branch: nil, message: nil), as: "ana")
            let build = try await core.awaitFinished()
            #expect(build.state == .passed)
            let marks = F.marks(try #require(workspace.scratchText("marks")))
            #expect(marks.map { "\($0.kind) \($0.job)" } == ["start one", "end one", "start two", "end two", "start three", "end three"])
            for index in stride(from: 2, to: marks.count, by: 2) {
                #expect(marks[index].at >= marks[index - 1].at, "\(marks[index].job) started before \(marks[index - 1].job) ended")
            }
        }
    }

    @Test func higherPriorityJobsTakeTheOnlySlotFirst() async throws {
        let workspace = try EngineWorkspace(pipeline: """
            steps:
              - {key: low, command: "echo low >> {{scratch}}/order", priority: -1}
              - {key: normal, command: "echo normal >> {{scratch}}/order"}
              - {key: high, command: "echo high >> {{scratch}}/order", priority: 5}
              - {key: higher, command: "echo higher >> {{scratch}}/order", priority: 9}
            """, agents: ["{tags: {queue: default}, count: 1}"])
        try await workspace.run { core in
            try await core.perform(.startBuild(service: "app", commit: nil, branch: nil, message: nil), as: "ana")
            let build = try await core.awaitFinished()
            #expect(build.state == .passed)
            #expect(workspace.scratchText("order") == "higher\nhigh\nnormal\nlow\n")
        }
    }

    @Test func cancelEndsTheRunningJobsProcessGroupAndCancelsTheBuild() async throws {
        let workspace = try EngineWorkspace(pipeline: """
            steps:
              - key: hang
                command: |
                  echo $$ > {{scratch}}/pid.fifo
                  sleep 1000 & sleep 1000
              - wait
              - {key: after, command: "touch {{scratch}}/after"}
            """)
        let fifo = workspace.scratch.appendingPathComponent("pid.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        try await workspace.run { core in
            try await core.perform(.startBuild(service: "app", commit: nil, branch: nil, message: nil), as: "ana")
            let pgid = try #require(pid_t(await F.readFIFO(fifo).trimmingCharacters(in: .whitespacesAndNewlines)))
            _ = try await core.awaitBuild { $0.job("hang")?.state == .running }
            #expect(kill(-pgid, 0) == 0)
            try await core.perform(.cancelBuild(service: "app", number: 1), as: "ana")
            let build = try await core.awaitFinished()
            #expect(build.state == .canceled)
            #expect(build.jobs.map { "\($0.id):\($0.state)" } == ["hang:canceled", "after:canceled"])
            #expect(build.job("after")?.detail == "canceled by ana")
            #expect(RunnerFixtures.groupIsGone(pgid))
            #expect(workspace.scratchText("after") == nil)
        }
    }

    // MARK: - Agents, blocks and deploys

    @Test func jobForAQueueNoSlotHasWaitsVisiblyAndNeverRunsOnADefaultSlot() async throws {
        let workspace = try EngineWorkspace(pipeline: """
            steps:
              - {key: deploy, command: "touch {{scratch}}/ran", agents: {queue: deploy-prod}}
              - {key: lint, command: "echo ok"}
            """)
        try await workspace.run { core in
            try await core.perform(.startBuild(service: "app", commit: nil, branch: nil, message: nil), as: "ana")
            let build = try await core.awaitBuild { $0.job("lint")?.state == .passed && $0.job("deploy")?.state == .waitingForAgent }
            #expect(build.state == .running)
            #expect(build.job("deploy")?.detail == "waiting for an agent with queue=deploy-prod (no slot has these tags)")
            #expect(workspace.scratchText("ran") == nil)
            try await core.perform(.cancelBuild(service: "app", number: 1), as: "ana")
            let canceled = try await core.awaitFinished()
            #expect(canceled.state == .canceled)
            #expect(canceled.job("deploy")?.state == .canceled)
            #expect(workspace.scratchText("ran") == nil)
        }
    }

    static let guardedProdPipeline = """
        steps:
          - {key: unit, command: "echo tested"}
          - block: Release to prod?
            key: release
            prompt: Check the test environment first.
            fields:
              - text: Release notes
                key: notes
                required: true
                hint: what changes for customers
              - select: Region
                key: region
                default: eu
                options:
                  - {label: Europe, value: eu}
                  - {label: America, value: us}
          - label: Deploy to prod
            key: deploy-prod
            depends_on: release
            deploy: {environment: prod}
            agents: {queue: deploy-prod}
        """

    @Test func unblockingAProdReleaseNeedsTheProdRoleAndItsRequiredFields() async throws {
        let t0 = Date.utc("2024-06-03 10:00")
        let clock = ManualClock(t0)
        let workspace = try EngineWorkspace(pipeline: Self.guardedProdPipeline,
                                            agents: ["{tags: {queue: default}, count: 2}", "{tags: {queue: deploy-prod}, count: 1}"])
        try await workspace.run(clock: clock) { core in
            try await core.perform(.startBuild(service: "app", commit: nil, branch: nil, message: nil), as: "ana")
            let blocked = try await core.awaitBuild { $0.state == .blocked }
            let release = try #require(blocked.job("release"))
            #expect(release.state == .blocked)
            #expect(release.prompt == "Check the test environment first.")
            #expect(release.form.map(\.key) == ["notes", "region"])
            #expect(blocked.job("deploy-prod")?.state == .waiting)

            let unblock = { (fields: [String: String]) in CoreCommand.unblock(service: "app", number: 1, job: nil, fields: fields) }
            await #expect(throws: ShipdeckError(.refused, "ana may not unblock app#1: it releases to prod, which needs the role prod",
                                                hint: "ask someone with that role")) {
                try await core.perform(unblock(["notes": "new checkout"]), as: "ana")
            }
            await #expect(throws: ShipdeckError(.invalid, "the field 'Release notes' is required", field: "notes",
                                                hint: "what changes for customers")) {
                try await core.perform(unblock([:]), as: "ben")
            }
            await #expect(throws: ShipdeckError(.invalid, "'mars' is not an option of 'Region'", field: "region", hint: "choose one of: eu, us")) {
                try await core.perform(unblock(["notes": "new checkout", "region": "mars"]), as: "ben")
            }
            #expect(try await core.store.build(service: "app", number: 1)?.record.state == .blocked)

            clock.advance(by: 120)
            try await core.perform(unblock(["notes": "new checkout"]), as: "ben")
            let build = try await core.awaitFinished()
            let unblocked = try #require(build.job("release"))
            #expect(unblocked.state == .unblocked)
            #expect(unblocked.unblockedBy == "ben")
            #expect(unblocked.finishedAt == t0.addingTimeInterval(120))
            #expect(unblocked.fields == ["notes": "new checkout", "region": "eu"])
            // The deploy ran on the prod slot as ben, who unblocked it; the fleet refused honestly: app runs no prod instances.
            #expect(build.job("deploy-prod")?.state == .failed)
            #expect(build.job("deploy-prod")?.detail?.contains("app runs no instances in prod") == true)
            #expect(build.state == .failed)
        }
    }

    @Test func deployStepFailsWithTheFleetsReason() async throws {
        let workspace = try EngineWorkspace(pipeline: """
            steps:
              - {key: deploy-test, label: Deploy to test, deploy: {environment: test}}
            """)
        try await workspace.run { core in
            try await core.perform(.startBuild(service: "app", commit: nil, branch: nil, message: nil), as: "ana")
            let build = try await core.awaitFinished()
            #expect(build.state == .failed)
            let deploy = try #require(build.job("deploy-test"))
            #expect(deploy.kind == "deploy")
            #expect(deploy.state == .failed)
            #expect(deploy.detail == "services.app.instances.test: app runs no instances in test (set services.app.instances.test in shipdeck.yml)")
            #expect(try await core.logTexts("deploy-test", stream: .system).last?.contains("deploy refused: services.app.instances.test") == true)
        }
    }

    // MARK: - Pipeline errors, recovery and polling

    @Test func invalidPipelineFailsAtUploadNamingFileLineAndColumnAndRunsNothing() async throws {
        let workspace = try EngineWorkspace(pipeline: """
            steps:
              - {key: fine, command: "touch {{scratch}}/ran"}
              - label: Lint
                comand: touch {{scratch}}/ran
            """)
        try await workspace.run { core in
            try await core.perform(.startBuild(service: "app", commit: nil, branch: nil, message: nil), as: "ana")
            let build = try await core.awaitFinished()
            #expect(build.state == .failed)
            let error = try #require(build.error)
            #expect(error.hasPrefix("pipeline upload failed: "))
            #expect(error.contains("services/app/.buildkite/pipeline.yml:4:5: unknown key 'comand'"))
            #expect(error.contains("did you mean 'command'?"))
            #expect(build.jobs.isEmpty)
            #expect(workspace.scratchText("ran") == nil)
        }
    }

    @Test func afterACrashRunningJobsAreLostOrRetriedWhenTheirRuleMatchesMinusOne() async throws {
        let workspace = try EngineWorkspace(pipeline: "steps:\n  - {key: unused, command: \"true\"}\n")
        let store = try SQLiteStore.inMemory()
        let head = try ProcessRunner().run("git", ["rev-parse", "HEAD"], in: workspace.repo).text.trimmingCharacters(in: .whitespacesAndNewlines)
        let plan = BuildPlan(jobs: [
            PlannedJob(id: "lint", label: "Lint", kind: .command(commands: ["touch \(workspace.scratch.path)/lint-ran"], deploy: nil)),
            PlannedJob(id: "unit", label: "Unit", kind: .command(commands: ["echo retried after a crash"], deploy: nil),
                       retry: RetryPolicy(automatic: [.init(exitStatuses: [-1], limit: 1)])),
            PlannedJob(id: "docs", label: "Docs", kind: .command(commands: ["true"], deploy: nil),
                       dependsOn: [.init(job: "lint", allowFailure: false)]),
            PlannedJob(id: "package", label: "Package", kind: .command(commands: ["echo packaged"], deploy: nil),
                       dependsOn: [.init(job: "unit", allowFailure: false)]),
        ])
        let number = try await store.nextBuildNumber(service: "app")
        let context = BuildContext(service: "app", number: number, commit: head, branch: "main", message: "Add pipeline", source: "ui")
        let then = Date().addingTimeInterval(-60)
        let record = BuildRecord(id: 0, service: "app", number: number, commit: head, branch: "main", message: "Add pipeline",
                                 state: .running, createdAt: then, finishedAt: nil, startedAt: then, jobs: [
                                     JobRecord(id: "lint", label: "Lint", kind: "command", state: .running, startedAt: then),
                                     JobRecord(id: "unit", label: "Unit", kind: "command", state: .running, startedAt: then),
                                     JobRecord(id: "docs", label: "Docs", kind: "command", state: .waiting),
                                     JobRecord(id: "package", label: "Package", kind: "command", state: .waiting),
                                 ])
        _ = try await store.saveBuild(record, plan: plan, context: context, log: nil)

        try await workspace.run(store: store) { core in
            let build = try await core.awaitFinished("app", number)
            #expect(build.jobs.map { "\($0.id):\($0.state)" } == ["lint:lost", "unit:passed", "docs:broken", "package:passed"])
            #expect(build.job("lint")?.detail == "lost: Shipdeck stopped while it ran")
            #expect(build.job("lint")?.attempt == 1)
            #expect(build.job("unit")?.attempt == 2)
            #expect(try await core.logTexts("unit", attempt: 2, number: number) == ["retried after a crash"])
            #expect(workspace.scratchText("lint-ran") == nil)
            #expect(build.state == .failed)
        }
    }

    @Test func pollingNotesHeadsFirstThenBuildsANewCommit() async throws {
        let workspace = try EngineWorkspace(pipeline: "steps:\n  - {key: hello, command: \"cat NEWS\"}\n")
        try await workspace.run { core in
            await core.builds.pollOnce()
            #expect(try await core.store.recentBuilds(service: "app", limit: 10).isEmpty)
            let head = try workspace.commit(["NEWS": "something new\n"], message: "Add news")
            await core.builds.pollOnce()
            let builds = try await core.store.recentBuilds(service: "app", limit: 10)
            #expect(builds.map(\.source) == ["poll"])
            #expect(builds.first?.commit == head)
            #expect(builds.first?.message == "Add news")
            let build = try await core.awaitFinished()
            #expect(build.state == .passed)
            #expect(try await core.logTexts("hello") == ["something new"])
            await core.builds.pollOnce()
            #expect(try await core.store.recentBuilds(service: "app", limit: 10).count == 1)
        }
    }
}
