import Foundation
import ShipdeckApp
import ShipdeckCore
import TerminalUI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The `pipelines` section: builds run END TO END through the real engine (WorkspaceCore →
// BuildEngine → JobRunner → LogBuffer → file-backed SQLiteStore in WAL mode) on a demo workspace
// whose service repo gets the benchmark's own pipelines committed with git. Baselines in the same run:
// plain `/bin/sh -c true` spawns, `JobRunner` alone, `SQLiteStore.appendLog` alone.
//
// 1. Per-step overhead: a build of N sequential `true` steps (a `depends_on` chain), perform(.startBuild)
//    → the `passed` event, per step; and a 1-step build for the fixed cost (plan + checkout).
// 2. Log ingestion: one job `yes "some build output line" | head -n L`, job running → line L in the
//    store; while it runs, every ~50 ms: `core.snapshot()`, and update + view + Terminal.render of a
//    200×60 frame; every ~250 ms a `perform(.moveCard)` (a store write); every ~1 s the dashboard's
//    follow-mode log fetch. The same sampler runs on the idle core first.
// 3. A 1 MiB single line: time until stored, and what is stored.

struct PipelineSettings: Sendable {
    var steps = 50
    var rounds = 5
    var logLines = 1_000_000
}

enum PipelinesBench {
    static let clock = ContinuousClock()
    static let person = "fay"
    static let size = Size(width: 200, height: 60)
    static let noisyLine = "some build output line"

    static func progress(_ text: String) { FileHandle.standardError.write(Data("pipelines: \(text)\n".utf8)) }

    // MARK: Workspace

    struct Bench: Sendable {
        var directory: URL
        var config: WorkspaceConfig
        var store: SQLiteStore
        var core: WorkspaceCore
        var service: String
        var repo: URL
        var pipelineFile: String
        var watch: BuildWatch
        var follower: Task<Void, Never>
    }

    static func git(_ arguments: [String], in repo: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", repo.path, "-c", "user.name=Shipdeck Bench", "-c", "user.email=bench@shipdeck.invalid"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ShipdeckError(.io, "git \(arguments.joined(separator: " ")) failed in \(repo.path)") }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Commits `pipeline` as the service's pipeline file; returns the commit id.
    static func commit(_ pipeline: String, message: String, bench: Bench) throws -> String {
        let file = bench.repo.appendingPathComponent(bench.pipelineFile)
        try pipeline.write(to: file, atomically: true, encoding: .utf8)
        _ = try git(["add", bench.pipelineFile], in: bench.repo)
        _ = try git(["commit", "-q", "-m", message], in: bench.repo)
        return try git(["rev-parse", "HEAD"], in: bench.repo)
    }

    static func open() async throws -> Bench {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shipdeck-bench-pipelines-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        var config = try await DemoWorkspace.create(at: directory, now: Date())
        config.pipelines.pollInterval = 0  // builds start only when the benchmark asks
        let store = try SQLiteStore.open(at: config.databaseFile)
        let core = try await WorkspaceCore.open(config: config, store: store, environment: ["USER": person])
        await core.startEngines()
        let service = config.services[0]
        let repo = URL(fileURLWithPath: service.repo, relativeTo: config.directory).standardizedFileURL
        let watch = BuildWatch(service: service.name)
        let stream = await core.events()
        let follower = Task {
            for await event in stream {
                let now = clock.now
                await watch.observe(event, at: now)
            }
        }
        return Bench(directory: directory, config: config, store: store, core: core, service: service.name, repo: repo,
                     pipelineFile: service.pipeline, watch: watch, follower: follower)
    }

    /// Starts a build of `commit` the way the dashboard's `b` does; returns its number and the instant before `perform`.
    static func start(_ bench: Bench, commit: String, message: String) async throws -> (number: Int, started: ContinuousClock.Instant) {
        let number = (try await bench.store.recentBuilds(service: bench.service, limit: 1).first?.number ?? 0) + 1
        let t0 = clock.now
        try await bench.core.perform(.startBuild(service: bench.service, commit: commit, branch: nil, message: message), as: person)
        return (number, t0)
    }

    // MARK: Pipelines

    static func chainPipeline(_ steps: Int) -> String {
        var text = "# shipdeck-bench: \(steps) sequential `true` steps\nsteps:\n"
        for i in 1...steps {
            text += "  - label: \"step \(i)\"\n    key: s\(i)\n    command: \"true\"\n"
            if i > 1 { text += "    depends_on: s\(i - 1)\n" }
        }
        return text
    }

    static func noisyPipeline(_ lines: Int) -> String {
        "steps:\n  - label: noisy\n    key: noisy\n    command: 'yes \"\(noisyLine)\" | head -n \(lines)'\n"
    }

    static let megaCommand = "head -c 1048576 /dev/zero | tr '\\0' x; echo"
    static let megaPipeline = "steps:\n  - label: one 1 MiB line\n    key: big\n    command: 'head -c 1048576 /dev/zero | tr ''\\0'' x; echo'\n"

    // MARK: Baselines

    static let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"]

    /// `/bin/sh -c true` through posix_spawn + waitpid: no pipes, no process group, no supervision.
    static func plainSpawn() -> Duration {
        let t0 = clock.now
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sh"), strdup("-c"), strdup("true"), nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        if posix_spawn(&pid, "/bin/sh", nil, nil, argv, envp) == 0 {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        return clock.now - t0
    }

    static func runnerSpec(_ command: String, in directory: URL) -> JobSpec {
        JobSpec(id: "bench", commands: [command], workingDirectory: directory, environment: environment)
    }

    // MARK: 1. Per-step overhead

    struct StepRound {
        var plain: [Duration]
        var runner: [Duration]
        var buildWall: Duration
        var oneStepWall: Duration
        var firstJob: Double        // ms, startedAt → finishedAt of the first job (it makes the checkout)
        var jobDurations: [Double]  // ms, startedAt → finishedAt of the other jobs
        var gaps: [Double]          // ms, job i finishedAt → job i+1 startedAt
        var firstJobDelay: Double   // ms, build createdAt → first job startedAt
    }

    static func stepRounds(_ bench: Bench, settings: PipelineSettings) async throws -> [StepRound] {
        let n = settings.steps
        let chain = try commit(chainPipeline(n), message: "bench: \(n) sequential true steps", bench: bench)
        let single = try commit(chainPipeline(1), message: "bench: one true step", bench: bench)
        let runner = JobRunner()
        let scratch = bench.directory.appendingPathComponent("runner-scratch")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        // Warm-up: one of each (page cache, first checkout, first spawn).
        _ = plainSpawn()
        _ = await runner.run(runnerSpec("true", in: scratch)) { _ in }
        let warm = try await start(bench, commit: single, message: "warm-up")
        _ = await bench.watch.finished(number: warm.number)

        var rounds: [StepRound] = []
        for round in 1...settings.rounds {
            progress("per-step round \(round)/\(settings.rounds): \(n) × plain sh, \(n) × JobRunner, \(n)-step build, 1-step build")
            var plain: [Duration] = []
            for _ in 0..<n { plain.append(plainSpawn()) }
            var viaRunner: [Duration] = []
            for _ in 0..<n {
                let t0 = clock.now
                _ = await runner.run(runnerSpec("true", in: scratch)) { _ in }
                viaRunner.append(clock.now - t0)
            }
            let big = try await start(bench, commit: chain, message: "bench chain")
            let seen = await bench.watch.finished(number: big.number)
            guard seen.record.state == .passed else { throw ShipdeckError(.io, "\(seen.record.name) \(seen.record.state.rawValue): \(seen.record.error ?? "")") }
            let one = try await start(bench, commit: single, message: "bench single")
            let oneSeen = await bench.watch.finished(number: one.number)
            let jobs = seen.record.jobs
            let durations = jobs.compactMap { job in job.startedAt.flatMap { s in job.finishedAt.map { $0.timeIntervalSince(s) * 1000 } } }
            var gaps: [Double] = []
            for i in 1..<max(1, jobs.count) {
                if let end = jobs[i - 1].finishedAt, let begin = jobs[i].startedAt { gaps.append(begin.timeIntervalSince(end) * 1000) }
            }
            let firstDelay = jobs.first?.startedAt.map { $0.timeIntervalSince(seen.record.createdAt) * 1000 } ?? .nan
            rounds.append(StepRound(plain: plain, runner: viaRunner, buildWall: seen.finished - big.started,
                                    oneStepWall: oneSeen.finished - one.started, firstJob: durations.first ?? .nan,
                                    jobDurations: Array(durations.dropFirst()), gaps: gaps, firstJobDelay: firstDelay))
        }
        return rounds
    }

    // MARK: 2. Ingestion and responsiveness

    struct Responsiveness {
        var snapshot: [Duration] = []
        var frame: [Duration] = []
        var move: [Duration] = []
        var follow: [Duration] = []
        var followLines = 0
    }

    /// Samples the core as a dashboard would use it until `stop` is set.
    final class Sampler: @unchecked Sendable {
        private let lock = NSLock()
        private var stopped = false
        var stop: Bool {
            get { lock.withLock { stopped } }
            set { lock.withLock { stopped = newValue } }
        }
    }

    static func sample(_ bench: Bench, until sampler: Sampler, follow: (number: Int, job: String)?) async -> Responsiveness {
        var result = Responsiveness()
        let first = await bench.core.snapshot()
        var model = Model(snapshot: first, size: size, now: Date(), timeZone: TimeZone(identifier: "UTC")!, coreLabel: CoreLabel.owned,
                          theme: .fallback, glyphs: .unicode)
        model.focus = .pipelines
        _ = update(&model, .resize(size))
        let terminal = Terminal(backend: MemoryBackend(size: size))
        terminal.render(view(model))
        let columns = ["In Progress", "Review"]
        var tick = 0
        var lastLine = 0
        while !sampler.stop {
            let t0 = clock.now
            let snapshot = await bench.core.snapshot()
            let t1 = clock.now
            model.snapshot = snapshot
            model.snapshotVersion += 1
            for pane in PaneID.allCases { model.paneVersions[pane, default: 0] += 1 }
            _ = update(&model, .tick(Date()))
            terminal.render(view(model))
            let t2 = clock.now
            result.snapshot.append(t1 - t0)
            result.frame.append(t2 - t1)
            blackHole &+= terminal.lastWrittenCells
            if tick % 5 == 0 {
                let m0 = clock.now
                _ = try? await bench.core.perform(.moveCard(id: "SHP-1", toColumn: columns[(tick / 5) % 2]), as: person)
                result.move.append(clock.now - m0)
            }
            if tick % 20 == 0, let follow {
                // What the log viewer in follow mode asks for on each 1 Hz tick.
                let f0 = clock.now
                let lines = (try? await bench.core.log(service: bench.service, number: follow.number, job: follow.job, attempt: nil,
                                                        after: lastLine, limit: 100_000)) ?? []
                result.follow.append(clock.now - f0)
                lastLine = lines.last?.line ?? lastLine
                result.followLines += lines.count
            }
            tick += 1
            let elapsed = clock.now - t0
            if elapsed < .milliseconds(50) { try? await Task.sleep(for: .milliseconds(50) - elapsed) }
        }
        return result
    }

    /// Polls the store (every 2 ms) until it holds `line` of the job; returns that instant.
    static func waitForLine(_ bench: Bench, number: Int, job: String, line: Int, timeout: Duration = .seconds(300)) async -> ContinuousClock.Instant? {
        let record = await bench.watch.record(number: number)
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if let stored = try? await bench.store.log(buildID: record.id, jobID: job, attempt: 1, after: line - 1, limit: 1), !stored.isEmpty {
                return clock.now
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return nil
    }

    struct Ingestion {
        var lines: Int
        var storedLines: Int
        var fromJobRunning: Duration?
        var fromBuildStart: Duration?
        var passedAfterJobRunning: Duration
        var storedAtPassed: Bool
        var runnerOnly: Duration
        var runnerOnlyLines: Int
        var storeOnly: [(batch: Int, time: Duration)]
        var idle: Responsiveness
        var busy: Responsiveness
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func add() { lock.withLock { value += 1 } }
        var count: Int { lock.withLock { value } }
    }

    static func ingestion(_ bench: Bench, settings: PipelineSettings) async throws -> Ingestion {
        let lines = settings.logLines
        let noisy = try commit(noisyPipeline(lines), message: "bench: one noisy job", bench: bench)

        progress("idle responsiveness (2 s)")
        let idleSampler = Sampler()
        let idleTask = Task { await sample(bench, until: idleSampler, follow: nil) }
        try await Task.sleep(for: .seconds(2))
        idleSampler.stop = true
        let idle = await idleTask.value

        progress("noisy job: \(lines) lines through the engine into the store")
        let busySampler = Sampler()
        let build = try await start(bench, commit: noisy, message: "bench noisy")
        let running = await bench.watch.jobRunning(number: build.number, job: "noisy")
        let busyTask = Task { await sample(bench, until: busySampler, follow: (build.number, "noisy")) }
        // Is the last line already in the store when the subscriber holds the `passed` event?
        let (watch, store) = (bench.watch, bench.store)
        let atPassed = Task {
            let seen = await watch.finished(number: build.number)
            return ((try? await store.log(buildID: seen.record.id, jobID: "noisy", attempt: 1, after: lines - 1, limit: 1)) ?? []).isEmpty == false
        }
        let stored = await waitForLine(bench, number: build.number, job: "noisy", line: lines)
        let seen = await bench.watch.finished(number: build.number)
        let storedAtPassed = await atPassed.value
        busySampler.stop = true
        let busy = await busyTask.value
        let count = try await bench.store.log(buildID: seen.record.id, jobID: "noisy", attempt: 1, after: lines - 1, limit: 10).last?.line ?? 0

        progress("baseline: the same job through JobRunner alone (lines counted in memory)")
        let counter = Counter()
        let scratch = bench.directory.appendingPathComponent("runner-scratch")
        let r0 = clock.now
        _ = await JobRunner().run(runnerSpec("yes \"\(noisyLine)\" | head -n \(lines)", in: scratch)) { _ in counter.add() }
        let runnerOnly = clock.now - r0

        progress("baseline: SQLiteStore.appendLog alone (\(lines) lines, several batch sizes)")
        var storeOnly: [(Int, Duration)] = []
        let probeStore = try SQLiteStore.open(at: bench.directory.appendingPathComponent(".shipdeck/bench-store-only.db"))
        let now = Date()
        let prepared = (1...lines).map { LogLine(line: $0, at: now, stream: .stdout, text: noisyLine) }
        for (index, batch) in [2_000, 20_000].enumerated() {
            let t0 = clock.now
            var start = 0
            while start < prepared.count {
                let end = min(prepared.count, start + batch)
                try await probeStore.appendLog(buildID: Int64(index + 1), jobID: "noisy", attempt: 1, lines: Array(prepared[start..<end]))
                start = end
            }
            storeOnly.append((batch, clock.now - t0))
        }
        return Ingestion(lines: lines, storedLines: count, fromJobRunning: stored.map { $0 - running }, fromBuildStart: stored.map { $0 - build.started },
                         passedAfterJobRunning: seen.finished - running, storedAtPassed: storedAtPassed,
                         runnerOnly: runnerOnly, runnerOnlyLines: counter.count, storeOnly: storeOnly, idle: idle, busy: busy)
    }

    // MARK: 3. One 1 MiB line

    struct MegaLine {
        var untilStored: Duration?
        var untilPassed: Duration
        var runnerOnly: Duration
        var lines: [LogLine]
    }

    static func megaLine(_ bench: Bench) async throws -> MegaLine {
        progress("one 1 MiB line")
        let big = try commit(megaPipeline, message: "bench: one 1 MiB line", bench: bench)
        let build = try await start(bench, commit: big, message: "bench 1 MiB line")
        _ = await bench.watch.jobRunning(number: build.number, job: "big")
        let stored = await waitForLine(bench, number: build.number, job: "big", line: 1, timeout: .seconds(60))
        let seen = await bench.watch.finished(number: build.number)
        let lines = try await bench.store.log(buildID: seen.record.id, jobID: "big", attempt: 1, after: 0, limit: 10)
        let r0 = clock.now
        _ = await JobRunner().run(runnerSpec(megaCommand, in: bench.directory.appendingPathComponent("runner-scratch"))) { _ in }
        return MegaLine(untilStored: stored.map { $0 - build.started }, untilPassed: seen.finished - build.started,
                        runnerOnly: clock.now - r0, lines: lines)
    }

    // MARK: Report

    static func run(_ settings: PipelineSettings) throws {
        let report = try runBlocking { () async throws -> String in
            progress("creating the demo workspace")
            let bench = try await open()
            defer { try? FileManager.default.removeItem(at: bench.directory) }
            let journal = (try? await bench.store.journalMode()) ?? "?"
            let steps = try await stepRounds(bench, settings: settings)
            let ingestion = try await ingestion(bench, settings: settings)
            let mega = try await megaLine(bench)
            await bench.core.stopEngines()
            bench.follower.cancel()
            return format(settings: settings, journal: journal, steps: steps, ingestion: ingestion, mega: mega, service: bench.service)
        }
        print(report)
    }

    static func ms(_ values: [Double]) -> Stats { Stats(name: "", samples: values.map { .nanoseconds(Int64($0 * 1e6)) }) }

    static func format(settings: PipelineSettings, journal: String, steps: [StepRound], ingestion: Ingestion, mega: MegaLine, service: String) -> String {
        var out = ""
        func line(_ text: String = "") { out += text + "\n" }
        let n = settings.steps
        func rate(_ lines: Int, _ d: Duration?) -> Double { d.map { $0.ms > 0 ? Double(lines) / ($0.ms / 1000) : 0 } ?? 0 }
        func lps(_ v: Double) -> String { v >= 10_000 ? String(format: "%.0f", v) : String(format: "%.1f", v) }
        func ratio(_ a: Double, _ b: Double) -> String {
            guard b > 0 else { return "—" }
            let r = a / b
            return r >= 10 ? String(format: "%.1f×", r) : String(format: "%.2f×", r)
        }

        line("## pipelines — builds end to end through the engine and a file-backed store\n")
        line("Demo workspace, service `\(service)`: the benchmark commits its own `.buildkite/pipeline.yml` with git and starts each build with `perform(.startBuild(commit:))`, as `b` does; polling is off. Engine → `JobRunner` (`/bin/sh -e -c` in its own process group, pipes, supervisor threads) → `LogBuffer` → `SQLiteStore` (\(journal.uppercased()), on local disk); every job state change is a `saveBuild` + event through the core. Builds are timed from the instant before `perform` to the instant the benchmark's `core.events()` subscriber holds the `passed` event. \(steps.count) rounds; baselines interleaved in each round.\n")

        // 1. Steps
        let plain = Stats(name: "plain", samples: steps.flatMap(\.plain))
        let runner = Stats(name: "runner", samples: steps.flatMap(\.runner))
        let perStep = Stats(name: "engine", samples: steps.map { $0.buildWall / n })
        let oneStep = Stats(name: "one", samples: steps.map(\.oneStepWall))
        let marginal = Stats(name: "marginal", samples: steps.map { n > 1 ? ($0.buildWall - $0.oneStepWall) / (n - 1) : $0.buildWall })
        let jobs = ms(steps.flatMap(\.jobDurations))
        let firstJob = ms(steps.map(\.firstJob))
        let gaps = ms(steps.flatMap(\.gaps))
        let firstDelay = ms(steps.map(\.firstJobDelay))
        line("### 1. Per-step overhead: \(n) sequential `true` steps (`depends_on` chain)\n")
        line("| case | per step median ms | p95 ms | min ms | samples | vs plain sh | overhead over plain sh, ms/step |")
        line("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        func row(_ name: String, _ s: Stats, overhead: Bool = true) {
            let over = overhead ? String(format: "%.2f", s.median.ms - plain.median.ms) : "—"
            line("| \(name) | \(formatMs(s.median)) | \(formatMs(s.p95)) | \(formatMs(s.min)) | \(s.samples.count) | \(formatRatio(s.median, over: plain.median)) | \(over) |")
        }
        row("baseline: `/bin/sh -c true`, posix_spawn + waitpid", plain, overhead: false)
        row("`JobRunner.run` alone (`sh -e -c true`, pipes, group, supervisor)", runner)
        row("**engine: \(n)-step build, start → passed event, ÷ \(n)**", perStep)
        row("engine: marginal step, (\(n)-step − 1-step build) ÷ \(n - 1)", marginal)
        line()
        let overhead = perStep.median.ms - plain.median.ms
        line("Goal: under 5 ms of overhead per step → \(String(format: "%.2f", overhead)) ms/step end to end (\(overhead < 5 ? "met" : "**not met**")); marginal step \(String(format: "%.2f", marginal.median.ms - plain.median.ms)) ms over plain sh.\n")
        line("Where an engine step's time goes (from the job records' `startedAt`/`finishedAt`, wall clock):\n")
        line("| part | median ms | p95 ms | max ms | samples |")
        line("| --- | ---: | ---: | ---: | ---: |")
        line("| 1-step build, start → passed (plan at the commit + `git clone` checkout + one job + events) | \(formatMs(oneStep.median)) | \(formatMs(oneStep.p95)) | \(formatMs(oneStep.max)) | \(oneStep.samples.count) |")
        line("| \(n)-step build: created → first job started (plan at the commit) | \(formatMs(firstDelay.median)) | \(formatMs(firstDelay.p95)) | \(formatMs(firstDelay.max)) | \(firstDelay.samples.count) |")
        line("| first job running → finished (`git clone` checkout + runner + log flush) | \(formatMs(firstJob.median)) | \(formatMs(firstJob.p95)) | \(formatMs(firstJob.max)) | \(firstJob.samples.count) |")
        line("| other jobs: running → finished (runner + log flush) | \(formatMs(jobs.median)) | \(formatMs(jobs.p95)) | \(formatMs(jobs.max)) | \(jobs.samples.count) |")
        line("| job finished → next job started (complete, pump, saveBuild + event, launch) | \(formatMs(gaps.median)) | \(formatMs(gaps.p95)) | \(formatMs(gaps.max)) | \(gaps.samples.count) |")
        line()

        // 2. Ingestion
        let e2e = rate(ingestion.storedLines, ingestion.fromJobRunning)
        let runnerRate = rate(ingestion.runnerOnlyLines, ingestion.runnerOnly)
        line("### 2. Log ingestion: one job `yes \"\(noisyLine)\" | head -n \(ingestion.lines)`\n")
        line("\(ingestion.lines) lines of \(noisyLine.utf8.count + 1) bytes (the runner's default bounds keep at most 1,000,000 lines / 50 MB per job). Stored = the job's line \(ingestion.lines) is readable from the store (polled every 2 ms); timed from the instant the subscriber sees the job `running`.\n")
        line("| case | lines | time ms | lines/s | vs JobRunner alone |")
        line("| --- | ---: | ---: | ---: | ---: |")
        line("| baseline: `JobRunner` alone, lines counted in memory | \(ingestion.runnerOnlyLines) | \(formatMs(ingestion.runnerOnly)) | \(lps(runnerRate)) | 1× |")
        for (batch, time) in ingestion.storeOnly {
            let r = rate(ingestion.lines, time)
            line("| baseline: `SQLiteStore.appendLog` alone, prepared lines, \(batch)-line transactions | \(ingestion.lines) | \(formatMs(time)) | \(lps(r)) | \(ratio(r, runnerRate)) |")
        }
        line("| **engine end to end: job running → last line stored** | \(ingestion.storedLines) | \(ingestion.fromJobRunning.map(formatMs) ?? "timed out") | \(lps(e2e)) | \(ratio(e2e, runnerRate)) |")
        line("| engine: build start → last line stored | \(ingestion.storedLines) | \(ingestion.fromBuildStart.map(formatMs) ?? "timed out") | \(lps(rate(ingestion.storedLines, ingestion.fromBuildStart))) | — |")
        line("| engine: job running → `passed` event | — | \(formatMs(ingestion.passedAfterJobRunning)) | — | — |")
        line()
        line("Goal: at least 500,000 lines/s stored → \(lps(e2e)) lines/s (\(e2e >= 500_000 ? "met" : "**not met**")). Last line already stored when `passed` was published: \(ingestion.storedAtPassed ? "yes" : "**no**").\n")
        line("Responsiveness of the core while the job runs vs idle (sampled every ~50 ms in this process, as an in-process dashboard would; frame = `update(.tick)` + `view` + `Terminal.render` on a 200×60 MemoryBackend, Pipelines focused; `moveCard` every ~250 ms is a store write that queues behind log transactions; the follow fetch is the log viewer's `core.log(after: last, limit: 100000)` every ~1 s, \(ingestion.busy.followLines) lines fetched in all):\n")
        line("| phase | measure | samples | p50 ms | p99 ms | max ms | p50 vs idle | p99 vs idle |")
        line("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        let pairs: [(String, [Duration], [Duration])] = [
            ("`core.snapshot()`", ingestion.idle.snapshot, ingestion.busy.snapshot),
            ("frame: update + view + render", ingestion.idle.frame, ingestion.busy.frame),
            ("`perform(.moveCard)`", ingestion.idle.move, ingestion.busy.move),
            ("follow-mode `core.log` fetch", ingestion.idle.follow, ingestion.busy.follow),
        ]
        for (name, idleSamples, busySamples) in pairs {
            let i = Stats(name: name, samples: idleSamples), b = Stats(name: name, samples: busySamples)
            if !idleSamples.isEmpty {
                line("| idle | \(name) | \(i.samples.count) | \(formatMs(i.median)) | \(formatMs(i.percentile(0.99))) | \(formatMs(i.max)) | 1× | 1× |")
            }
            if !busySamples.isEmpty {
                let vs = idleSamples.isEmpty ? ("—", "—") : (formatRatio(b.median, over: i.median), formatRatio(b.percentile(0.99), over: i.percentile(0.99)))
                line("| ingesting | \(name) | \(b.samples.count) | \(formatMs(b.median)) | \(formatMs(b.percentile(0.99))) | \(formatMs(b.max)) | \(vs.0) | \(vs.1) |")
            }
        }
        line()

        // 3. Megaline
        line("### 3. One 1 MiB line: `\(megaCommand)`\n")
        line("| case | ms |")
        line("| --- | ---: |")
        line("| baseline: `JobRunner` alone | \(formatMs(mega.runnerOnly)) |")
        line("| engine: build start → line stored | \(mega.untilStored.map(formatMs) ?? "never stored") |")
        line("| engine: build start → `passed` event | \(formatMs(mega.untilPassed)) |")
        line()
        for stored in mega.lines {
            let text = stored.text
            let xs = text.prefix { $0 == "x" }.count
            let tail = text.count > 60 ? "…" + text.suffix(50) : text
            line("Stored line \(stored.line) (\(stored.stream.rawValue)): \(text.utf8.count) bytes = \(xs) × `x` + `\(tail.replacingOccurrences(of: String(repeating: "x", count: 40), with: "x…"))`")
        }
        if mega.lines.isEmpty { line("Nothing was stored.") }
        line()
        return out
    }
}

/// Follows the core's events for one service: each build's newest record, when the subscriber first
/// saw each job running, and when it saw the build finish.
actor BuildWatch {
    struct Seen: Sendable {
        var record: BuildRecord
        var finished: ContinuousClock.Instant
    }

    let service: String
    private var records: [Int: BuildRecord] = [:]
    private var finishedAt: [Int: ContinuousClock.Instant] = [:]
    private var runningAt: [String: ContinuousClock.Instant] = [:]
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(service: String) { self.service = service }

    func observe(_ event: CoreEvent, at now: ContinuousClock.Instant) {
        guard case .buildUpdated(let build) = event.change, build.service == service else { return }
        records[build.number] = build
        for job in build.jobs where job.state != .waiting && job.state != .waitingForAgent {
            let key = "\(build.number)/\(job.id)"
            if runningAt[key] == nil { runningAt[key] = now }
        }
        if build.state.isFinished, finishedAt[build.number] == nil { finishedAt[build.number] = now }
        let woken = waiters
        waiters.removeAll()
        for waiter in woken { waiter.resume() }
    }

    private func change() async { await withCheckedContinuation { waiters.append($0) } }

    func finished(number: Int) async -> Seen {
        while true {
            if let at = finishedAt[number], let record = records[number] { return Seen(record: record, finished: at) }
            await change()
        }
    }

    func jobRunning(number: Int, job: String) async -> ContinuousClock.Instant {
        while true {
            if let at = runningAt["\(number)/\(job)"] { return at }
            await change()
        }
    }

    func record(number: Int) async -> BuildRecord {
        while true {
            if let record = records[number] { return record }
            await change()
        }
    }
}
