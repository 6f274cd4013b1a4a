import Foundation

extension BuildEngine {
    /// Runs one job attempt to its end.
    func runJob(_ key: JobKey, _ planned: PlannedJob, build: Live, attempt: Int) async {
        switch planned.kind {
        case .block:
            break  // blocks never launch
        case .trigger(let trigger):
            await uncancelled { await self.runTrigger(key, trigger, parent: build) }
        case .command(let commands, let deploy):
            if let environment = deploy {
                await runDeploy(key, environment: environment, build: build, attempt: attempt)
                return
            }
            await runCommands(key, planned, commands: commands, build: build, attempt: attempt)
        }
    }

    /// A `deploy:` step: hands the build's image to the fleet, which deploys it through the health gate.
    /// A protected environment also needs a block step unblocked by one of its deployers.
    func runDeploy(_ key: JobKey, environment: String, build: Live, attempt: Int) async {
        guard let deployer else {
            let text = "no deployer configured: cannot deploy \(build.record.service) to \(environment)"
            await appendLog(key, attempt: attempt, lines: [(.system, text)])
            await complete(key, result: .failed, detail: text, exitStatus: nil)
            return
        }
        let record = live[key.build]?.record ?? build.record
        var person = record.startedBy ?? record.author
        if let env = config.environment(named: environment), env.protected {
            let allowed = RolePolicy.deployers(of: environment, in: config)
            let approvers = record.jobs.compactMap(\.unblockedBy).filter { config.person($0)?.roles.contains(where: allowed.contains) == true }
            guard let approver = approvers.last else {
                let text = "\(environment) is protected: a deploy step needs a block step before it, unblocked by someone with the role \(allowed.joined(separator: " or "))"
                await appendLog(key, attempt: attempt, lines: [(.system, text)])
                await complete(key, result: .failed, detail: text, exitStatus: nil)
                return
            }
            person = approver
        }
        let sink = LogBuffer(engine: self, key: key, attempt: attempt, clock: clock)
        do {
            let deploy = try await deployer.deployBuild(record, environment: environment, by: person) { sink.add(.system, $0) }
            await sink.flush()
            if deploy.outcome == .succeeded {
                await complete(key, result: .passed, detail: "deployed \(deploy.image) to \(environment)", exitStatus: 0)
            } else {
                await complete(key, result: deploy.outcome == .canceled ? .canceled : .failed,
                               detail: "deploy \(deploy.outcome.rawValue): \(deploy.reason ?? "")", exitStatus: nil)
            }
        } catch {
            sink.add(.system, "deploy refused: \(error)")
            await sink.flush()
            await complete(key, result: .failed, detail: "\(error)", exitStatus: nil)
        }
    }

    func runCommands(_ key: JobKey, _ planned: PlannedJob, commands: [String], build: Live, attempt: Int) async {
        let directory: URL
        do {
            directory = try prepareCheckout(key.build)
        } catch {
            await appendLog(key, attempt: attempt, lines: [(.system, "checkout failed: \(error)")])
            await complete(key, result: .failed, detail: "checkout failed", exitStatus: nil)
            return
        }
        let environment = BuildEnvironment.variables(job: planned, context: build.context, buildID: String(build.record.id),
                                                     jobID: Self.processJobID(build: build.record.id, job: planned.id, attempt: attempt), attempt: attempt,
                                                     checkoutDir: directory.path)
        var launch = JobLaunch(job: planned, commands: commands, directory: directory, environment: environment,
                               timeout: planned.timeoutMinutes.map { .seconds($0 * 60) }, attempt: attempt)
        launch.gracePeriod = .milliseconds(Int(config.pipelines.cancelGrace * 1000))
        let sink = LogBuffer(engine: self, key: key, attempt: attempt, clock: clock)
        let result = await executor.run(launch) { stream, text in sink.add(stream, text) }
        var artifacts: String?
        if result == .exited(0) && !planned.artifactPaths.isEmpty {
            let destination = buildDirectory(build.record).appendingPathComponent("artifacts/\(planned.id)")
            do {
                let files = try Artifacts.collect(patterns: planned.artifactPaths, from: directory, into: destination)
                artifacts = files.isEmpty ? "no file matched artifact_paths" : "\(files.count) artifact\(files.count == 1 ? "" : "s") kept"
                for file in files { sink.add(.system, "artifact: \(file)") }
            } catch {
                artifacts = "artifacts not kept: \(error)"
            }
        }
        await sink.flush()
        switch result {
        case .exited(0): await complete(key, result: .passed, detail: artifacts, exitStatus: 0)
        case .exited(let status): await complete(key, result: .failed, detail: "exited with status \(status)", exitStatus: status)
        case .timedOut:
            await complete(key, result: .timedOut, detail: "timed out after \(planned.timeoutMinutes ?? 0) min", exitStatus: nil)
        case .canceled: await complete(key, result: .canceled, detail: "canceled", exitStatus: nil)
        case .failedToStart(let reason): await complete(key, result: .failed, detail: reason, exitStatus: nil)
        }
    }

    /// The job id a job's processes carry in `SHIPDECK_JOB_ID` (and `BUILDKITE_JOB_ID`).
    static func processJobID(build: Int64, job: String, attempt: Int) -> String { "\(build)-\(job)-\(attempt)" }

    /// The build's checkout of its exact commit, made before its first command job.
    func prepareCheckout(_ buildID: Int64) throws -> URL {
        guard let build = live[buildID] else { throw ShipdeckError(.notFound, "the build is gone") }
        if let directory = build.checkedOut { return directory }
        guard let service = config.service(named: build.record.service) else { throw ShipdeckError(.notFound, "no service \(build.record.service)") }
        let directory = buildDirectory(build.record).appendingPathComponent("checkout")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
        try repos.checkout(repo: repoURL(service), commit: build.record.commit, into: directory)
        live[buildID]?.checkedOut = directory
        return directory
    }

    /// A trigger step starts the other service's build; without `async` it waits for its outcome.
    func runTrigger(_ key: JobKey, _ trigger: PlannedJob.Trigger, parent: Live) async {
        do {
            let child = try await start(service: trigger.service, commit: trigger.commit, branch: trigger.branch ?? parent.context.branch,
                                        message: trigger.message ?? "Triggered by \(parent.record.name)", env: trigger.env,
                                        by: parent.record.startedBy, source: "trigger")
            if trigger.async {
                await complete(key, result: .passed, detail: "started \(child.name)", exitStatus: nil)
            } else {
                triggerWaiters[child.id] = key
                if var build = live[key.build] {
                    update(&build, key.job) { $0.detail = "waiting for \(child.name)" }
                    live[key.build] = build
                    await persist(key.build)
                }
            }
        } catch {
            await complete(key, result: .failed, detail: "trigger failed: \(error)", exitStatus: nil)
        }
    }

    /// Writes the log of a job that ran no process (a deploy step, a failed checkout): its only lines.
    func appendLog(_ key: JobKey, attempt: Int, lines: [(LogLine.Stream, String)]) async {
        await uncancelled { await self.appendLogNow(key, attempt: attempt, lines: lines) }
    }

    private func appendLogNow(_ key: JobKey, attempt: Int, lines: [(LogLine.Stream, String)]) async {
        let now = clock.now
        let numbered = lines.enumerated().map { LogLine(line: $0.offset + 1, at: now, stream: $0.element.0, text: $0.element.1) }
        try? await store.appendLog(buildID: key.build, jobID: key.job, attempt: attempt, lines: numbered)
    }
}

/// Collects a running job's lines and writes them to the store in batches: a write starts once 2,000
/// lines are waiting or 100 ms after the first, and at most one write per job is in flight, so a noisy
/// job costs one transaction per batch (batches grow while the store is busy), its writes land in
/// order, other writers (a card move, a build update) wait for one batch at most, and `flush()`
/// returns only once every line is stored.
final class LogBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [LogLine] = []
    private var next = 1
    /// The write loop, while one runs.
    private var writer: Task<Void, Never>?
    private var timer: Task<Void, Never>?
    private let store: any Store
    private let key: BuildEngine.JobKey
    private let attempt: Int
    private let clock: any ShipdeckClock

    static let batchLines = 2000
    /// Lines per transaction when a backlog built up while the store was busy.
    static let maxTransactionLines = 5_000

    init(engine: BuildEngine, key: BuildEngine.JobKey, attempt: Int, clock: any ShipdeckClock) {
        self.store = engine.store
        self.key = key
        self.attempt = attempt
        self.clock = clock
    }

    func add(_ stream: LogLine.Stream, _ text: String) {
        let now = clock.now
        lock.withLock {
            pending.append(LogLine(line: next, at: now, stream: stream, text: text))
            next += 1
            if writer != nil { return }  // the running write loop takes these lines next
            if pending.count >= Self.batchLines {
                startWriter()
            } else if timer == nil {
                timer = Task { [weak self] in
                    try? await Task.sleep(for: .milliseconds(100))
                    self?.lock.withLock {
                        self?.timer = nil
                        if self?.writer == nil { self?.startWriter() }
                    }
                }
            }
        }
    }

    /// Starts the write loop; the caller holds the lock.
    @discardableResult
    private func startWriter() -> Task<Void, Never> {
        let task = Task { [self] in
            while true {
                let batch: [LogLine] = lock.withLock {
                    let taken = pending
                    pending.removeAll(keepingCapacity: false)
                    if taken.isEmpty { writer = nil }
                    return taken
                }
                if batch.isEmpty { return }
                var start = batch.startIndex
                while start < batch.endIndex {
                    let end = min(batch.endIndex, start + Self.maxTransactionLines)
                    try? await store.appendLog(buildID: key.build, jobID: key.job, attempt: attempt, lines: Array(batch[start..<end]))
                    start = end
                }
            }
        }
        writer = task
        return task
    }

    /// Writes whatever is pending and waits until every line added so far is stored.
    func flush() async {
        let task: Task<Void, Never> = lock.withLock {
            timer?.cancel()
            timer = nil
            return writer ?? startWriter()
        }
        await task.value
    }
}
