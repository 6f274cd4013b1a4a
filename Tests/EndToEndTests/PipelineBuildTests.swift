import Foundation
import Testing

/// A squad's day with the Pipelines pane: someone pushes to a service repo, the dashboard notices
/// the commit, runs the service's Buildkite pipeline, stops at its block step until a person
/// unblocks it by keypress, and shows it pass; a broken pipeline file fails the build with the
/// place of the mistake. The dashboard runs the core in-process ("own core") on a fresh demo whose
/// repos are polled every second.
@Suite(.timeLimit(.minutes(2))) struct PipelineBuildTests {
    /// Commit a releasable pipeline to orders: orders#1 appears running, then blocked; `u`, the
    /// confirm dialog, `y`, and it passes; its detail says who unblocked it and the last job's log
    /// says "released".
    @Test func commitBuildsUnblockByKeypressAndPasses() async throws {
        let demo = try await PipelineDemo.open()
        defer { demo.close() }
        let app = demo.app

        try app.press("2")
        try await app.waitFor("2 Pipelines", "Build", "State", "Message")
        try await app.waitForGone("1 Board", "3 Fleet", "4 Alerts")

        try demo.commit(service: "orders", message: "SHP-3 release it", files: [
            ".buildkite/pipeline.yml": PipelineDemo.releasePipeline,
            "app.py": nil,  // touched below: appended a comment
        ])

        // The poller sees the commit: the build appears, runs its first job, then waits at the block.
        // (It runs its first job for about a second before it blocks; a loaded machine may hide that
        // moment from the screen, so only the blocked state is awaited.)
        let blocked = try await demo.waitForBuild("orders#1", "▲ blocked", timeout: 30)
        #expect(blocked.contains("SHP-3 release it"), "the row does not show the commit message: \(blocked)")
        #expect(blocked.contains("main"), "the row does not show the branch: \(blocked)")

        // Unblock by keypress: a confirm dialog first, then yes.
        try app.press("u")
        try await app.waitFor("Unblock orders#1?", "Release?")
        try app.press("y")
        try await app.waitForGone("Unblock orders#1?")
        try await demo.waitForBuild("orders#1", "● passed", timeout: 30)

        // The detail: every job in order, the block unblocked by fay (the demo's user).
        try app.press("Enter")
        let detail = try await app.waitFor("orders#1 — SHP-3 release it", "● passed", "Compile", "Release?", "Ship it")
        let jobs = detail.components(separatedBy: "\n")
        let compile = jobs.first { $0.contains("Compile") }
        #expect(compile?.contains("● passed") == true, "the compile job did not pass:\n\(detail)")
        let block = jobs.first { $0.contains("Release?") && $0.contains("unblocked") }
        #expect(block?.contains("by fay") == true, "no 'unblocked … by fay' on the block step:\n\(detail)")
        let release = jobs.first { $0.contains("Ship it") }
        #expect(release?.contains("● passed") == true, "the release job did not pass:\n\(detail)")

        // The last job's log holds what its command printed.
        try app.press("j", "j", "j", "j", "j")  // past the end stays on the last job
        try app.press("Enter")
        try await app.waitFor("orders#1 · Ship it")
        try await app.waitUntil("the log shows the output line 'released'") { screen in
            screen.components(separatedBy: "\n").contains { $0.contains("released") && !$0.contains("echo") }
        }
        try app.press("Escape")
        try await app.waitForGone("orders#1 · Ship it")
        try await app.waitFor("orders#1 — SHP-3 release it")
    }

    /// `shipdeck build orders` from another shell reaches the dashboard's own core through its API:
    /// the build shows in the list; `shipdeck unblock` by someone without the prod role is refused with
    /// the core's sentence.
    @Test func cliBuildAndUnblockGoThroughTheRunningCore() async throws {
        let demo = try await PipelineDemo.open()
        defer { demo.close() }
        try demo.commit(service: "orders", message: "SHP-3 release it", files: [".buildkite/pipeline.yml": PipelineDemo.releasePipeline])
        try await demo.waitForBuild("orders#1", "▲ blocked", timeout: 30)
        try demo.app.press("2")
        let build = try ShipdeckBinary.run(["build", "orders", "--workspace", demo.sandbox.demo.path, "--message", "by hand"],
                                           in: demo.sandbox.demo, environment: demo.sandbox.environment.merging(["SHIPDECK_USER": "fay"]) { $1 })
        #expect(build.status == 0, "shipdeck build failed: \(build.stderr)")
        let row = try await demo.waitForBuild("orders#2", "▲ blocked", timeout: 30)
        #expect(row.contains("by hand"))
        // The release block guards nothing protected here, but an unknown person is refused by the core.
        let refused = try ShipdeckBinary.run(["unblock", "orders#2", "--workspace", demo.sandbox.demo.path], in: demo.sandbox.demo,
                                             environment: demo.sandbox.environment.merging(["SHIPDECK_USER": "mallory"]) { $1 })
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("'mallory' is not a member of this workspace"), "stderr: \(refused.stderr)")
        let unblocked = try ShipdeckBinary.run(["unblock", "orders#2", "--workspace", demo.sandbox.demo.path], in: demo.sandbox.demo,
                                               environment: demo.sandbox.environment.merging(["SHIPDECK_USER": "ben"]) { $1 })
        #expect(unblocked.status == 0, "stderr: \(unblocked.stderr)")
        try await demo.waitForBuild("orders#2", "● passed", timeout: 30)
    }

    /// A pipeline with a misspelt step key (`comand:`) runs nothing: the build fails at reading the
    /// pipeline, and its detail names the key and `.buildkite/pipeline.yml:LINE:COL`.
    @Test func brokenPipelineFailsWithItsFileLineAndColumn() async throws {
        let demo = try await PipelineDemo.open()
        defer { demo.close() }
        let app = demo.app

        try app.press("2")
        try await app.waitFor("2 Pipelines", "Build", "State", "Message")

        try demo.commit(service: "orders", message: "SHP-3 typo in the pipeline", files: [
            ".buildkite/pipeline.yml": PipelineDemo.brokenPipeline,
        ])

        let row = try await demo.waitForBuild("orders#1", "✖ failed", timeout: 30)
        #expect(row.contains("SHP-3 typo in the pipeline"), "row: \(row)")

        try app.press("Enter")
        let detail = try await app.waitFor("orders#1 — SHP-3 typo in the pipeline", "✖ failed", "pipeline upload failed:")
        let lines = detail.components(separatedBy: "\n")
        // The refusal names the pipeline file with a line and a column.
        #expect(lines.contains { ScreenChecks.matches($0, #"services/orders/\.buildkite/pipeline\.yml:\d+:\d+: "#) },
                "no '.buildkite/pipeline.yml:LINE:COL' in the detail:\n\(detail)")
        // Nothing ran from the invalid pipeline.
        #expect(!lines.contains { $0.contains("Compile") }, "a job of the invalid pipeline is listed:\n\(detail)")
        // And it names the misspelt key where it is — `comand:` is at line 4, column 5 — with the
        // key it probably meant, as `shipdeck validate` does.
        // The error is wrapped over several rows of the detail: read them as one text.
        let text = lines.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "│ ")) }.joined(separator: " ")
        #expect(text.contains(".buildkite/pipeline.yml:4:5: unknown key 'comand'"), "no '.buildkite/pipeline.yml:4:5 … comand' in the detail:\n\(detail)")
        #expect(text.contains("did you mean 'command'"), "no did-you-mean in the detail:\n\(detail)")
    }
}

/// A fresh demo workspace polled every second, with its dashboard open at 120x40.
private final class PipelineDemo {
    let sandbox: Sandbox
    let app: TmuxSession

    /// Lints (slowly enough to be seen running), blocks on "Release?", then releases.
    static let releasePipeline = """
        steps:
          - label: "Compile"
            key: compile
            commands:
              - sleep 1
              - python3 -m py_compile app.py
          - block: "Release?"
            key: release-gate
          - label: "Ship it"
            key: ship
            command: echo released

        """

    /// `comand:` (line 4, column 5) is not a step key.
    static let brokenPipeline = """
        steps:
          - label: "Compile"
            key: compile
            comand: python3 -m py_compile app.py

        """

    private init(sandbox: Sandbox, app: TmuxSession) {
        self.sandbox = sandbox
        self.app = app
    }

    /// `demo --create-only`, `poll_interval: 1`, then `shipdeck --workspace DEMO` until the overview
    /// is drawn (by then the poller had its first look, which only notes the heads).
    static func open() async throws -> PipelineDemo {
        let sandbox = try Sandbox()
        try sandbox.createDemo()
        let config = sandbox.demo.appendingPathComponent("shipdeck.yml")
        let text = try String(contentsOf: config, encoding: .utf8)
        guard text.contains("poll_interval: 5") else { throw E2EFailure("the demo's shipdeck.yml has no 'poll_interval: 5':\n\(text)") }
        try text.replacingOccurrences(of: "poll_interval: 5", with: "poll_interval: 1").write(to: config, atomically: true, encoding: .utf8)

        let app = try TmuxSession(sandbox, width: 120, height: 40, arguments: ["--workspace", sandbox.demo.path])
        do {
            try await app.waitUntil("the overview is drawn") { ScreenChecks.showsFourPanes($0) && ScreenChecks.hasStatusBar($0) }
            try await app.waitUntil("the status bar says 'own core'") { $0.components(separatedBy: "\n").first?.contains("own core") == true }
        } catch {
            app.close()
            throw error
        }
        // The core's first look at the repos is done before the dashboard draws ("own core"), so
        // every commit from now on is new to it.
        return PipelineDemo(sandbox: sandbox, app: app)
    }

    func close() { app.close() }

    /// Writes `files` (nil: append a comment to the existing file) in services/SERVICE and commits
    /// them on main as a developer would.
    func commit(service: String, message: String, files: [String: String?]) throws {
        let repo = sandbox.demo.appendingPathComponent("services/\(service)")
        for (path, content) in files {
            let file = repo.appendingPathComponent(path)
            if let content {
                try content.write(to: file, atomically: true, encoding: .utf8)
            } else {
                let handle = try FileHandle(forWritingTo: file)
                try handle.seekToEnd()
                try handle.write(contentsOf: Data("# \(message)\n".utf8))
                try handle.close()
            }
        }
        try git(["add", "-A"], in: repo)
        try git(["-c", "user.name=Fay Moreau", "-c", "user.email=fay@shipdeck.invalid", "commit", "-q", "-m", message], in: repo)
    }

    private func git(_ arguments: [String], in repo: URL) throws {
        guard let git = Command.which("git") else { throw E2EFailure("git is not installed") }
        let result = try Command.run(git, ["-C", repo.path] + arguments, environment: sandbox.environment)
        guard result.status == 0 else {
            throw E2EFailure("git \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)\(result.stdout)")
        }
    }

    /// Waits until the Pipelines list has a row for `build` (e.g. `orders#1`) showing `state`, and
    /// returns that row.
    @discardableResult
    func waitForBuild(_ build: String, _ state: String, timeout: Double = 10,
                      sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let screen = try await app.waitUntil("the row of \(build) shows '\(state)'", timeout: timeout, sourceLocation: sourceLocation) {
            Self.row(build, in: $0)?.contains(state) == true
        }
        return Self.row(build, in: screen) ?? ""
    }

    /// The list row whose Build column is `build` (followed by a space, so orders#1 is not orders#10).
    static func row(_ build: String, in screen: String) -> String? {
        screen.components(separatedBy: "\n").first { $0.contains(build + " ") && !$0.contains(build + " —") }
    }
}
