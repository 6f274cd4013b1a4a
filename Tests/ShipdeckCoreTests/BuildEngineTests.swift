import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import ShipdeckCore

/// A workspace in a temporary folder with one service, `app`, whose repository is a real git repo
/// holding the pipeline under test. `{{scratch}}` in a pipeline becomes a folder outside the build's
/// checkout where jobs leave marks for the test to read.
struct EngineWorkspace {
    let folder: TemporaryFolder
    let config: WorkspaceConfig
    var repo: URL { folder.url.appendingPathComponent("services/app") }
    var scratch: URL { folder.url.appendingPathComponent("scratch") }

    static let defaultAgents = ["{tags: {queue: default}, count: 2}"]

    init(pipeline: String, agents: [String] = defaultAgents) throws {
        folder = try TemporaryFolder()
        let text = ([
            "name: Engine Tests",
            "card_prefix: ENG",
            "services:",
            "  app: {repo: services/app, run: python3 app.py, port: 8100}",
            "pipelines:",
            "  poll_interval: 0",
            "  agents:",
        ] + agents.map { "    - \($0)" } + [
            "environments:",
            "  test: {protected: false, deployers: [dev, prod]}",
            "  prod: {protected: true, deployers: [prod]}",
            "people:",
            "  ana: {name: Ana Ruiz, roles: [dev]}",
            "  ben: {name: Ben Okafor, roles: [dev, prod]}",
        ]).joined(separator: "\n") + "\n"
        try folder.write(text, to: "shipdeck.yml")
        let (parsed, errors) = ConfigLoader.parse(text, file: folder.url.appendingPathComponent("shipdeck.yml"))
        if !errors.isEmpty { throw ShipdeckErrors(errors) }
        config = parsed!
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        try DemoGit(folder: repo).run(["-c", "init.defaultBranch=main", "init", "-q"])
        try commit(["README.md": "checked out at the build's commit\n", ".buildkite/pipeline.yml": pipeline], message: "Add pipeline")
    }

    /// Commits `files` (paths relative to the repo; `{{scratch}}` replaced) and returns the new head.
    @discardableResult
    func commit(_ files: [String: String], message: String) throws -> String {
        for (path, text) in files {
            let file = repo.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.replacingOccurrences(of: "{{scratch}}", with: scratch.path).write(to: file, atomically: true, encoding: .utf8)
        }
        try DemoGit(folder: repo).commit(message, at: Date())
        return try ProcessRunner().run("git", ["rev-parse", "HEAD"], in: repo).text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func scratchText(_ name: String) -> String? {
        try? String(contentsOf: scratch.appendingPathComponent(name), encoding: .utf8)
    }

    /// Opens a core over `store` with the real pipeline source, job runner and git, starts its engines,
    /// runs `body`, then stops the engines and removes the folder (also when `body` throws).
    func run(store: (any Store)? = nil, clock: any ShipdeckClock = SystemClock(),
             _ body: (WorkspaceCore) async throws -> Void) async throws {
        let core = try await WorkspaceCore.open(config: config, store: try store ?? SQLiteStore.inMemory(), clock: clock)
        await core.startEngines()
        do { try await body(core) } catch {
            await core.stopEngines()
            folder.cleanup()
            throw error
        }
        await core.stopEngines()
        folder.cleanup()
    }
}

struct BuildWaitTimedOut: Error, CustomStringConvertible {
    var description: String
}

extension WorkspaceCore {
    /// Follows the core's event stream until build `number` of `service` satisfies `condition`, and
    /// returns it; throws when `timeout` passes first (saying where the build got to).
    func awaitBuild(_ service: String = "app", _ number: Int = 1, within timeout: Duration = .seconds(60),
                    until condition: @escaping @Sendable (BuildRecord) -> Bool) async throws -> BuildRecord {
        let stream = await events()
        let found = try await withThrowingTaskGroup(of: BuildRecord?.self) { group in
            group.addTask {
                for await event in stream {
                    let build: BuildRecord?
                    switch event.change {
                    case .snapshot(let state):
                        build = state.pipelines.first { $0.service == service }?.builds.first { $0.number == number }
                    case .buildUpdated(let updated):
                        build = updated.service == service && updated.number == number ? updated : nil
                    default:
                        build = nil
                    }
                    if let build, condition(build) { return build }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let found { return found }
        let last = try await store.build(service: service, number: number)?.record
        throw BuildWaitTimedOut(description: "\(service)#\(number) did not get there within \(timeout); last seen: "
                                + (last.map { "\($0.state) \($0.jobs.map { "\($0.id)=\($0.state)" }) \($0.error ?? "")" } ?? "no such build"))
    }

    /// Waits until the build has finished (passed, failed or canceled).
    func awaitFinished(_ service: String = "app", _ number: Int = 1) async throws -> BuildRecord {
        try await awaitBuild(service, number) { $0.state.isFinished }
    }

    /// The texts of one job attempt's stored log lines of `stream`.
    func logTexts(_ job: String, attempt: Int? = nil, stream: LogLine.Stream? = nil, number: Int = 1) async throws -> [String] {
        try await log(service: "app", number: number, job: job, attempt: attempt, after: 0, limit: 1000)
            .filter { stream == nil || $0.stream == stream }.map(\.text)
    }
}

extension BuildRecord {
    func job(_ id: String) -> JobRecord? { jobs.first { $0.id == id } }
}

enum EngineFixtures {
    /// Reads what a job writes into the FIFO at `path`. Opening blocks on a thread of its own until the
    /// job opens the FIFO to write, so the test awaits the job instead of polling for a file; after
    /// `timeout` the FIFO is opened for writing here, which releases the reader with nothing.
    static func readFIFO(_ path: String, within timeout: TimeInterval = 60) async -> String {
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            let fd = open(path, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
        }
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var bytes: [UInt8] = []
                let fd = open(path, O_RDONLY)
                if fd >= 0 {
                    var buffer = [UInt8](repeating: 0, count: 256)
                    while true {
                        let count = read(fd, &buffer, buffer.count)
                        if count <= 0 { break }
                        bytes += buffer[0..<count]
                    }
                    close(fd)
                }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }
        }
    }

    /// `start NAME TIME` / `end NAME TIME` lines a job appended, in file order.
    static func marks(_ text: String) -> [(kind: String, job: String, at: Double)] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 3, let at = Double(parts[2]) else { return nil }
            return (parts[0], parts[1], at)
        }
    }
}

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
            // The deploy ran on the prod slot and failed honestly: there is no deployer yet.
            #expect(build.job("deploy-prod")?.state == .failed)
            #expect(build.job("deploy-prod")?.detail?.hasPrefix("no deployer configured") == true)
            #expect(build.state == .failed)
        }
    }

    @Test func deployStepFailsWithNoDeployerConfigured() async throws {
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
            #expect(deploy.detail == "no deployer configured: cannot deploy app to test yet")
            #expect(try await core.logTexts("deploy-test", stream: .system) == ["no deployer configured: cannot deploy app to test yet"])
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
