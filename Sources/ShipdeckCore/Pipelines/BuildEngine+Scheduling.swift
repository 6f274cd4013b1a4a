import Foundation

extension BuildEngine {
    /// Starts everything that can start, across all live builds: highest priority first, then the
    /// oldest build; a concurrency group's `ordered` jobs start strictly in arrival order.
    /// - Returns: the builds whose state it recomputed and stored.
    @discardableResult
    func pump() async -> Set<Int64> {
        var changed: Set<Int64> = []
        var candidates: [(priority: Int, build: Int64, order: Int, job: PlannedJob)] = []
        for buildID in live.keys.sorted() {
            guard var build = live[buildID] else { continue }
            var states = Dictionary(uniqueKeysWithValues: build.record.jobs.map { ($0.id, $0) })
            // Jobs that lost a dependency can never run.
            var step = BuildScheduler.step(plan: build.plan, jobs: states)
            while !step.broken.isEmpty {
                for id in step.broken {
                    update(&build, id) { $0.state = .broken; $0.detail = "a job it depends on failed" }
                    states[id]?.state = .broken
                }
                changed.insert(buildID)
                step = BuildScheduler.step(plan: build.plan, jobs: states)
            }
            for (order, id) in step.ready.enumerated() {
                guard let planned = build.plan.jobs.first(where: { $0.id == id }) else { continue }
                if case .block = planned.kind {
                    update(&build, id) { $0.state = .blocked; $0.detail = nil }
                    changed.insert(buildID)
                    continue
                }
                candidates.append((planned.priority, buildID, order, planned))
            }
            live[buildID] = build
        }
        // Waiting-for-agent jobs are candidates again each time.
        for buildID in live.keys.sorted() {
            guard let build = live[buildID] else { continue }
            for (order, job) in build.record.jobs.enumerated() where job.state == .waitingForAgent {
                if let planned = build.plan.jobs.first(where: { $0.id == job.id }) { candidates.append((planned.priority, buildID, order, planned)) }
            }
        }
        candidates.sort { ($1.priority, $0.build, $0.order) < ($0.priority, $1.build, $1.order) }
        for candidate in candidates {
            let key = JobKey(build: candidate.build, job: candidate.job.id)
            if await launch(key, candidate.job) { changed.insert(candidate.build) }
        }
        for buildID in changed { await refreshState(buildID) }
        return changed
    }

    /// Starts one ready job if an agent slot and its concurrency group allow; returns whether its state changed.
    func launch(_ key: JobKey, _ planned: PlannedJob) async -> Bool {
        guard !stopping else { return false }
        guard var build = live[key.build], let job = build.record.jobs.first(where: { $0.id == key.job }) else { return false }
        if let group = planned.concurrency {
            var queue = groupQueue[group.group, default: []]
            if !queue.contains(key) { queue.append(key) }
            groupQueue[group.group] = queue
            let running = groupRunning[group.group, default: 0]
            let first = queue.first == key
            if running >= group.limit || (group.method == .ordered && !first) {
                return setWaiting(key, "waiting for concurrency group \(group.group) (\(running)/\(group.limit) running)", previous: job)
            }
        }
        guard let slot = pool.acquire(for: planned.agents) else {
            return setWaiting(key, AgentPool.waitingText(planned.agents, exists: pool.exists(for: planned.agents)), previous: job)
        }
        if let group = planned.concurrency {
            groupRunning[group.group, default: 0] += 1
            groupQueue[group.group]?.removeAll { $0 == key }
        }
        let attempt = job.attempt
        update(&build, key.job) {
            $0.state = .running
            $0.startedAt = clock.now
            $0.finishedAt = nil
            $0.exitStatus = nil
            $0.detail = nil
            $0.attempt = attempt
        }
        build.slots[key.job] = slot
        let launchBuild = build
        live[key.build] = build
        build.tasks[key.job] = Task { await self.runJob(key, planned, build: launchBuild, attempt: attempt) }
        live[key.build]?.tasks[key.job] = build.tasks[key.job]
        return true
    }

    func setWaiting(_ key: JobKey, _ text: String, previous: JobRecord) -> Bool {
        guard previous.state != .waitingForAgent || previous.detail != text else { return false }
        guard var build = live[key.build] else { return false }
        update(&build, key.job) { $0.state = .waitingForAgent; $0.detail = text }
        live[key.build] = build
        return true
    }

    func update(_ build: inout Live, _ jobID: String, _ change: (inout JobRecord) -> Void) {
        guard let index = build.record.jobs.firstIndex(where: { $0.id == jobID }) else { return }
        change(&build.record.jobs[index])
    }

    /// Recomputes and stores a build's state; finishes it when nothing more can happen.
    func refreshState(_ buildID: Int64) async {
        guard var build = live[buildID] else { return }
        let states = Dictionary(uniqueKeysWithValues: build.record.jobs.map { ($0.id, $0) })
        let state = BuildScheduler.buildState(plan: build.plan, jobs: states)
        build.record.state = state
        if state.isFinished { build.record.finishedAt = clock.now }
        live[buildID] = build
        await persist(buildID)
        if state.isFinished {
            live[buildID] = nil
            // Jobs of a finished (or canceled) build no longer hold a place in an ordered group's queue.
            for group in groupQueue.keys { groupQueue[group]?.removeAll { $0.build == buildID } }
            await finished(build.record)
        }
    }

    /// A build ended: wake a build that triggered it and waits for it.
    func finished(_ record: BuildRecord) async {
        guard let waiter = triggerWaiters.removeValue(forKey: record.id) else { return }
        await complete(waiter, result: record.state == .passed ? .passed : .failed,
                       detail: "\(record.name) \(record.state.rawValue)", exitStatus: nil)
    }

    /// Records a job's end, applies automatic retries, frees its slot and group, and schedules what follows.
    /// Runs outside the job's task: see `uncancelled`.
    func complete(_ key: JobKey, result: JobRecord.State, detail: String?, exitStatus: Int32?) async {
        await uncancelled { await self.completeNow(key, result: result, detail: detail, exitStatus: exitStatus) }
    }

    /// Runs `work` in a task of its own and waits for it. A job's task is cancelled to stop its
    /// processes (`cancel`, `shutdown`); that cancellation must not reach the store writes that record
    /// the job's log and its end (the store refuses to write for a cancelled task, which left a
    /// cancelled build `running` in the store and on every dashboard).
    func uncancelled(_ work: @escaping @Sendable () async -> Void) async {
        await Task { await work() }.value
    }

    private func completeNow(_ key: JobKey, result: JobRecord.State, detail: String?, exitStatus: Int32?) async {
        guard var build = live[key.build] else { return }
        if let slot = build.slots.removeValue(forKey: key.job) { pool.release(slot) }
        build.tasks[key.job] = nil
        let planned = build.plan.jobs.first { $0.id == key.job }
        if let group = planned?.concurrency { groupRunning[group.group] = max(0, groupRunning[group.group, default: 1] - 1) }
        var state = result
        if state == .failed || state == .timedOut || state == .lost, let planned {
            let status = exitStatus ?? -1
            let attempt = build.record.jobs.first { $0.id == key.job }?.attempt ?? 1
            if attempt <= planned.retry.automaticLimit(forExitStatus: status) {
                update(&build, key.job) {
                    $0.state = .waiting
                    $0.detail = "retrying automatically (attempt \(attempt + 1)) after exit status \(status)"
                    $0.exitStatus = exitStatus
                    $0.attempt = attempt + 1
                }
                live[key.build] = build
                await persist(key.build)
                await pump()
                return
            }
            if let status = exitStatus, planned.softFail.forgives(status) { state = .softFailed }
        }
        update(&build, key.job) {
            $0.state = state
            $0.finishedAt = clock.now
            $0.exitStatus = exitStatus
            $0.detail = detail
        }
        live[key.build] = build
        // When the next job started, pump already stored this build with both changes: one write, one event.
        if await !pump().contains(key.build) { await refreshState(key.build) }
    }
}
