import Foundation

extension BuildEngine {
    /// The live build `service#number`, or an error that says what exists.
    func liveBuild(_ service: String, _ number: Int) async throws -> Int64 {
        if let id = live.first(where: { $0.value.record.service == service && $0.value.record.number == number })?.key { return id }
        if let stored = try await store.build(service: service, number: number) {
            throw ShipdeckError(.invalid, "\(stored.record.name) has already \(stored.record.state.rawValue)", hint: "start a new build with `shipdeck build \(service)`")
        }
        throw ShipdeckError(.notFound, "there is no build \(service)#\(number)", hint: "`shipdeck status` lists the builds")
    }

    /// Unblocks the build's block step (the first blocked one, or `jobID`) with the form's values.
    /// Only people whose roles may deploy to the environment the block guards may unblock it.
    public func unblock(service: String, number: Int, jobID: String?, fields: [String: String], by person: PersonConfig) async throws {
        let buildID = try await liveBuild(service, number)
        guard var build = live[buildID] else { return }
        guard let job = build.record.jobs.first(where: { $0.state == .blocked && (jobID == nil || $0.id == jobID) }),
              let planned = build.plan.jobs.first(where: { $0.id == job.id }), case .block(let block) = planned.kind else {
            throw ShipdeckError(.invalid, "\(build.record.name) is not waiting at a block step", hint: "only a blocked build can be unblocked")
        }
        if let environment = guardedEnvironment(of: planned.id, in: build.plan), let env = config.environment(named: environment) {
            let allowed = env.deployers.isEmpty ? (env.protected ? ["prod", "lead"] : []) : env.deployers
            if !allowed.isEmpty && !person.roles.contains(where: allowed.contains) {
                throw ShipdeckError(.refused, "\(person.handle) may not unblock \(build.record.name): it releases to \(environment), which needs the role \(allowed.joined(separator: " or "))",
                                    hint: "ask someone with that role")
            }
        }
        var values: [String: String] = [:]
        for field in block.fields {
            let value = fields[field.key] ?? field.defaultValue
            if field.required && (value ?? "").isEmpty {
                throw ShipdeckError(.invalid, "the field '\(field.label)' is required", field: field.key, hint: field.hint ?? "fill it in")
            }
            if field.kind == .select, let value, !field.options.isEmpty, !field.options.contains(where: { $0.value == value }) {
                throw ShipdeckError(.invalid, "'\(value)' is not an option of '\(field.label)'", field: field.key,
                                    hint: "choose one of: " + field.options.map(\.value).joined(separator: ", "))
            }
            if let value { values[field.key] = value }
        }
        update(&build, job.id) {
            $0.state = .unblocked
            $0.unblockedBy = person.handle
            $0.fields = values
            $0.finishedAt = clock.now
            $0.detail = "unblocked by \(person.handle)"
        }
        live[buildID] = build
        await pump()
        await refreshState(buildID)
    }

    /// The environment a block releases to: that of the deploy jobs that depend on it, directly or not.
    func guardedEnvironment(of blockID: String, in plan: BuildPlan) -> String? {
        var frontier: Set<String> = [blockID], seen: Set<String> = []
        while !frontier.isEmpty {
            seen.formUnion(frontier)
            let next = plan.jobs.filter { job in job.dependsOn.contains { frontier.contains($0.job) } && !seen.contains(job.id) }
            for job in next { if case .command(_, let deploy?) = job.kind { return deploy } }
            frontier = Set(next.map(\.id))
        }
        return nil
    }

    /// Cancels a build: running jobs' process groups are terminated, nothing else starts.
    public func cancel(service: String, number: Int, by person: String) async throws {
        let buildID = try await liveBuild(service, number)
        guard var build = live[buildID] else { return }
        for index in build.record.jobs.indices where !build.record.jobs[index].state.isFinished && build.record.jobs[index].state != .running {
            build.record.jobs[index].state = .canceled
            build.record.jobs[index].detail = "canceled by \(person)"
        }
        live[buildID] = build
        for task in build.tasks.values { task.cancel() }
        if build.tasks.isEmpty { await refreshState(buildID) }
    }

    /// Retries a failed job (or every failed job) of a finished or running build as a new attempt;
    /// earlier attempts keep their logs.
    public func retry(service: String, number: Int, jobID: String?, by person: String) async throws {
        guard let stored = try await store.build(service: service, number: number), let plan = stored.plan, let context = stored.context else {
            throw ShipdeckError(.notFound, "there is no build \(service)#\(number) with jobs to retry")
        }
        var build = live[stored.record.id] ?? Live(record: stored.record, plan: plan, context: context)
        let retryable: Set<JobRecord.State> = [.failed, .timedOut, .canceled, .lost, .softFailed, .broken]
        let targets = build.record.jobs.filter { retryable.contains($0.state) && (jobID == nil || $0.id == jobID) }
        guard !targets.isEmpty else {
            throw ShipdeckError(.invalid, jobID.map { "job \($0) of \(stored.record.name) did not fail" } ?? "\(stored.record.name) has no failed job")
        }
        for target in targets {
            if let planned = plan.jobs.first(where: { $0.id == target.id }), !planned.retry.manualAllowed {
                throw ShipdeckError(.refused, "\(target.label) may not be retried by hand (retry.manual is off in its pipeline)")
            }
        }
        for target in targets {
            update(&build, target.id) {
                $0.state = .waiting
                $0.attempt += target.state == .broken ? 0 : 1
                $0.detail = "retried by \(person)"
                $0.exitStatus = nil
            }
        }
        // Jobs broken by a retried failure may run again too.
        for index in build.record.jobs.indices where build.record.jobs[index].state == .broken {
            build.record.jobs[index].state = .waiting
            build.record.jobs[index].detail = nil
        }
        build.record.state = .running
        build.record.finishedAt = nil
        live[stored.record.id] = build
        await persist(stored.record.id)
        await pump()
        await refreshState(stored.record.id)
    }

    // MARK: - Recovery and polling

    /// After a crash: jobs that were running are marked lost (and retried when their rules say so);
    /// their process groups are killed; blocked and waiting jobs carry on.
    public func recover() async {
        guard let builds = try? await store.unfinishedBuilds() else { return }
        for stored in builds {
            guard let plan = stored.plan, let context = stored.context else {
                var record = stored.record
                record.state = .failed
                record.error = record.error ?? "interrupted before its pipeline was read"
                record.finishedAt = clock.now
                _ = try? await save(record, plan: nil, context: nil)
                continue
            }
            var build = Live(record: stored.record, plan: plan, context: context)
            var lost: [String] = []
            for index in build.record.jobs.indices {
                switch build.record.jobs[index].state {
                case .running:
                    lost.append(build.record.jobs[index].id)
                    build.record.jobs[index].state = .running  // completed as lost below
                case .waitingForAgent:
                    build.record.jobs[index].state = .waiting
                default: break
                }
            }
            live[stored.record.id] = build
            // Processes the dead core started for these jobs must not outlive it.
            let attempts = Dictionary(uniqueKeysWithValues: build.record.jobs.map { ($0.id, $0.attempt) })
            OrphanReaper.kill(jobIDs: Set(lost.map { Self.processJobID(build: stored.record.id, job: $0, attempt: attempts[$0] ?? 1) }))
            for id in lost {
                await complete(JobKey(build: stored.record.id, job: id), result: .lost, detail: "lost: Shipdeck stopped while it ran", exitStatus: nil)
            }
        }
        await pump()
    }

    /// Watches the service repos: a new commit on a service's branch starts a build. The first look
    /// (which notes the heads) is done when this returns, so any later commit is seen as new.
    public func startPolling() async {
        guard config.pipelines.pollInterval > 0, pollTask == nil else { return }
        let interval = config.pipelines.pollInterval
        await pollOnce()
        pollTask = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                await self?.pollOnce()
            }
        }
    }

    /// One look at every repo. The first look only notes the heads (nothing is built for what was
    /// there before the core started).
    public func pollOnce() async {
        for service in config.services {
            let repo = repoURL(service)
            guard let branch = try? repos.currentBranch(repo: repo), let head = try? repos.head(repo: repo, branch: branch) else { continue }
            let key = "\(service.name)@\(branch)"
            defer { knownHeads[key] = head.commit }
            guard let known = knownHeads[key], known != head.commit else { continue }
            _ = try? await start(service: service.name, commit: head.commit, branch: branch, by: nil, source: "poll")
        }
    }

    /// Stops polling and cancels every running job (their process groups are terminated).
    public func shutdown() async {
        stopping = true
        pollTask?.cancel()
        pollTask = nil
        for build in live.values { for task in build.tasks.values { task.cancel() } }
        for build in live.values { for task in build.tasks.values { await task.value } }
    }
}
