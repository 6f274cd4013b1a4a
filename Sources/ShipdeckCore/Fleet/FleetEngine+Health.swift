import Foundation

/// The fleet's monitor: every instance's health check with Nagios' semantics (SOFT/HARD, retries,
/// flapping, freshness, downtime), run as HTTP, TCP, plugin or passive checks. The deploy gate, the
/// warm-group switch and supervision all check through `runCheck`, so they share one definition.
extension FleetEngine {
    /// Checks in flight at once, at most (the rest wait for the next tick: spread, never a herd).
    static let maxConcurrentChecks = 64
    /// History entries kept per instance.
    static let healthHistoryLength = 200
    /// Perfdata values kept per label for the sparkline.
    static let perfHistoryLength = 60

    /// One check to run, as plain values (it runs off the actor).
    struct CheckSpec: Sendable {
        var kind: HealthCheckConfig.Kind
        var host: String
        var port: Int
        var path: String
        var command: String?
        var timeout: Double
        var environment: [String: String]

        var target: String {
            switch kind {
            case .http: return "GET http://\(host):\(port)\(path)"
            case .tcp: return "TCP \(host):\(port)"
            case .command: return command ?? ""
            case .passive: return "passive results and heartbeats"
            }
        }
    }

    func checkSpec(_ key: Key, id: String, service: ServiceConfig) -> CheckSpec? {
        guard let live = slots[key]?.instances[id] else { return nil }
        let health = service.health
        let port = live.record.port
        let macros = ["HOST": "127.0.0.1", "HOSTADDRESS": "127.0.0.1", "PORT": String(port), "PATH": health.path,
                      "SERVICE": key.service, "ENVIRONMENT": key.environment, "INSTANCE": id]
        return CheckSpec(kind: health.kind, host: "127.0.0.1", port: port, path: health.path,
                         command: health.command.map { PluginRunner.expand($0, macros: macros) }, timeout: health.timeout,
                         environment: ["SHIPDECK_SERVICE": key.service, "SHIPDECK_ENVIRONMENT": key.environment,
                                       "SHIPDECK_INSTANCE": id, "PORT": String(port)])
    }

    /// Runs one active check (off the actor). A passive check has no active part: nil.
    nonisolated func run(_ spec: CheckSpec, at date: Date) async -> CheckResult? {
        switch spec.kind {
        case .http:
            let started = ContinuousClock.now
            let result = await probe.check(host: spec.host, port: spec.port, path: spec.path, timeout: .milliseconds(Int(spec.timeout * 1000)))
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let time = PerfDatum(label: "time", value: (seconds * 1e6).rounded() / 1e6, unit: "s", min: 0)
            return CheckResult(status: result.status, output: "HTTP \(result.status.label): \(result.detail)", perfdata: [time],
                               duration: seconds, at: date)
        case .tcp:
            return await TCPCheck(group: eventLoops).check(host: spec.host, port: spec.port, timeout: spec.timeout, at: date)
        case .command:
            guard let command = spec.command else { return nil }
            return await PluginRunner().run(command, environment: spec.environment, timeout: spec.timeout, at: date)
        case .passive:
            return nil
        }
    }

    /// Runs an instance's check now and applies it; nil when the instance is gone or its check is passive.
    @discardableResult
    func checkNow(_ key: Key, id: String, service: ServiceConfig) async -> CheckResult? {
        guard let spec = checkSpec(key, id: id, service: service), let result = await run(spec, at: clock.now) else { return nil }
        await apply(result, to: key, id: id, service: service)
        return result
    }

    /// Starts the instance's check when it is due (or forced) and a slot for it is free; the result
    /// is applied when it arrives. Never waits for the check itself.
    func launchCheckIfDue(_ key: Key, id: String, service: ServiceConfig, now: Date) {
        guard let live = slots[key]?.instances[id], !live.checking, service.health.kind != .passive else { return }
        if let next = live.nextCheck, now < next { return }
        guard checksInFlight < Self.maxConcurrentChecks, let spec = checkSpec(key, id: id, service: service) else { return }
        checksInFlight += 1
        slots[key]?.instances[id]?.checking = true
        // Not on an event loop's executor: this task's actor-isolated parts would then run on that
        // loop's thread too, and supervision's file and /proc reads must not block the endpoints' loops.
        Task {
            let result = await self.run(spec, at: now)
            await self.finishLaunched(result, key: key, id: id, service: service)
        }
    }

    private func finishLaunched(_ result: CheckResult?, key: Key, id: String, service: ServiceConfig) async {
        checksInFlight -= 1
        slots[key]?.instances[id]?.checking = false
        guard let result, !stopping else { return }
        await apply(result, to: key, id: id, service: service)
        await publish(key)
    }

    /// Turns a check silent for longer than its freshness threshold into a result: CRITICAL for a
    /// passive check (HARD at once, as passive results are), an active check at once otherwise.
    func checkFreshness(_ key: Key, id: String, service: ServiceConfig, now: Date) async {
        guard let threshold = service.health.freshness, let live = slots[key]?.instances[id] else { return }
        let since = live.lastResultAt ?? live.record.startedAt ?? now
        let silent = now.timeIntervalSince(since)
        guard silent >= threshold else { return }
        if service.health.kind == .passive {
            let output = "no result for \(Int(silent)) s (freshness threshold \(Int(threshold)) s): the service is silent"
            await apply(CheckResult(status: .critical, output: output, at: now, passive: true), to: key, id: id, service: service)
        } else {
            slots[key]?.instances[id]?.nextCheck = nil
            slots[key]?.instances[id]?.lastResultAt = now
        }
    }

    /// Applies a result with Nagios' semantics, moves the instance in or out of its endpoint on a
    /// HARD change, keeps its perfdata and history, and reports HARD changes to the recorder.
    /// A starting instance joins once `health.rise` checks in a row passed.
    func apply(_ result: CheckResult, to key: Key, id: String, service: ServiceConfig) async {
        guard var current = slots[key]?.instances[id], !current.retired, current.record.state != .crashed else { return }
        let policy = service.health.policy
        let previousState = current.record.state
        current.lastResultAt = result.at
        current.record.checkedAt = result.at
        current.record.checkDuration = (result.duration * 1e4).rounded() / 1e4
        for datum in result.perfdata {
            guard let value = datum.value else { continue }
            var series = current.perf[datum.label] ?? PerfSeries(label: datum.label, unit: datum.unit, values: [])
            series.values.append(value)
            series.values.removeFirst(max(0, series.values.count - Self.perfHistoryLength))
            current.perf[datum.label] = series
        }
        var transitions: [HealthTransition] = []
        if current.record.state == .starting {
            // Warming up is not a problem: until `rise` checks in a row pass, results only count
            // passes (a port not yet open is expected). The Nagios state starts when it joins.
            current.passes = result.status == .ok ? current.passes + 1 : 0
            current.record.health = result.status == .ok ? .ok : .pending
            current.record.detail = result.status == .ok ? nil : "warming up: \(result.output)"
            if current.passes >= service.health.rise {
                current.record.state = .healthy
                transitions = current.check.apply(result, policy: policy, at: result.at)
            }
        } else {
            transitions = current.check.apply(result, policy: policy, at: result.at)
            let check = current.check
            if result.status == .ok {
                current.passes += 1
                if current.record.state == .unhealthy && check.stateType == .hard { current.record.state = .healthy }
                if current.record.state == .healthy { current.record.detail = nil }
            } else {
                current.passes = 0
                let flapping = check.isFlapping ? ", flapping" : ""
                current.record.detail = "health \(check.status.label) \(check.stateType.rawValue.uppercased()) \(check.currentAttempt)/\(check.maxAttempts): \(result.output)\(flapping)"
                if current.record.state == .healthy && check.stateType == .hard { current.record.state = .unhealthy }
            }
        }
        let check = current.check
        if current.record.state != .starting {
            current.record.health = Self.health(check.status)
            current.record.checkType = check.stateType.rawValue
            current.record.checkAttempt = "\(check.currentAttempt)/\(check.maxAttempts)"
            current.record.flapping = check.isFlapping ? true : nil
        }
        // A starting instance is checked at the gate's pace until it joins.
        current.nextCheck = result.at.addingTimeInterval(current.record.state == .starting ? config.fleet.gateInterval : check.nextCheckDelay(policy: policy))
        let downtime = downtimeReason(key, live: current, at: result.at, problemSince: check.status == .ok ? nil : check.lastHardStateChange)
        current.record.downtime = downtime
        let changed = current.record.state != previousState
        slots[key]?.instances[id] = current
        if changed { applyRoute(key) }
        if changed || !transitions.isEmpty { await persist(key, id) }
        for transition in transitions {
            await recordTransition(transition, key: key, id: id, check: check, output: result.output, downtime: downtime, at: result.at)
        }
    }

    /// A crash of a serving instance is a HARD CRITICAL result of its check (as a passive result is):
    /// alert-worthy at once, and resolved by the replacement's first passes.
    func recordCrash(_ key: Key, id: String, output: String) async {
        guard var current = slots[key]?.instances[id], let service = config.service(named: key.service) else { return }
        let now = clock.now
        let transitions = current.check.apply(CheckResult(status: .critical, output: output, at: now, passive: true), policy: service.health.policy, at: now)
        let check = current.check
        current.record.checkType = check.stateType.rawValue
        current.record.checkAttempt = "\(check.currentAttempt)/\(check.maxAttempts)"
        current.record.checkedAt = now
        let downtime = downtimeReason(key, live: current, at: now, problemSince: now)
        slots[key]?.instances[id] = current
        for transition in transitions {
            await recordTransition(transition, key: key, id: id, check: check, output: output, downtime: downtime, at: now)
        }
    }

    private func recordTransition(_ transition: HealthTransition, key: Key, id: String, check: CheckState, output: String,
                                  downtime: String?, at date: Date) async {
        let kind: HealthEvent.Kind
        switch transition {
        case .softChange: kind = .soft
        case .hardChange(_, let to):
            kind = .hard
            if to != .ok { await noteProblem(key, id: id, at: date) }
        case .flappingStarted: kind = .flappingStarted
        case .flappingStopped: kind = .flappingStopped
        }
        let suppressed = kind != .hard ? nil : check.isFlapping ? "flapping" : downtime != nil ? "downtime" : nil
        let event = HealthEvent(instance: id, service: key.service, environment: key.environment, at: date, kind: kind,
                                status: check.status, stateType: check.stateType, attempt: "\(check.currentAttempt)/\(check.maxAttempts)",
                                output: output, suppressed: suppressed)
        let stored = (try? await store.appendHealthEvent(event, keep: Self.healthHistoryLength)) ?? event
        if kind != .soft { await recorder?.recordHealth(stored) }
    }

    static func health(_ status: CheckStatus) -> InstanceRecord.Health {
        switch status {
        case .ok: return .ok
        case .warning: return .warning
        case .critical: return .critical
        case .unknown: return .unknown
        }
    }

    // MARK: - Downtime

    /// Why alerts of the instance are held now: `deploy` while its group warms up or drains, or the
    /// comment of a scheduled downtime that covers it; nil when none does.
    func downtimeReason(_ key: Key, live: Live, at date: Date, problemSince: Date?) -> String? {
        if !live.record.active || live.retired { return "deploy" }
        let covering = downtimes.filter {
            $0.covers(service: key.service, environment: key.environment, instance: live.record.id)
                && $0.downtime.isActive(at: date, problemSince: problemSince)
        }
        guard let first = covering.first else { return nil }
        return first.downtime.comment.isEmpty ? "downtime by \(first.by)" : first.downtime.comment
    }

    /// A HARD problem starts the flexible downtimes waiting for one.
    private func noteProblem(_ key: Key, id: String, at date: Date) async {
        for index in downtimes.indices where downtimes[index].covers(service: key.service, environment: key.environment, instance: id) {
            var record = downtimes[index]
            guard record.downtime.noteProblem(at: date) else { continue }
            downtimes[index] = record
            try? await store.saveDowntime(record)
        }
    }

    /// Schedules a downtime; returns it.
    public func scheduleDowntime(service: String, environment: String, instance: String?, duration: Double, flexibleWindow: Double?,
                                 comment: String, by person: String) async throws -> DowntimeRecord {
        let key = try key(service, environment)
        if let instance, slots[key]?.instances[instance] == nil {
            throw ShipdeckError(.notFound, "\(key) has no instance '\(instance)'", field: "instance",
                                hint: Suggestion.hint(for: instance, in: slots[key]?.instances.keys.sorted() ?? []))
        }
        guard duration > 0 else {
            throw ShipdeckError(.invalid, "a downtime must last longer than 0 seconds", field: "duration", hint: "e.g. 30m or 2h")
        }
        let now = clock.now
        let downtime: Downtime = if let window = flexibleWindow {
            .flexible(from: now, to: now.addingTimeInterval(window), duration: duration, comment: comment)
        } else {
            .fixed(from: now, to: now.addingTimeInterval(duration), comment: comment)
        }
        let record = DowntimeRecord(downtime: downtime, service: key.service, environment: key.environment, instance: instance, by: person)
        try await store.saveDowntime(record)
        downtimes.append(record)
        await refreshDowntimes(key, at: now)
        await publish(key)
        return record
    }

    /// Cancels a downtime.
    public func cancelDowntime(id: UUID) async throws {
        guard let index = downtimes.firstIndex(where: { $0.id == id }) else {
            throw ShipdeckError(.notFound, "there is no downtime \(id.uuidString)", field: "downtime", hint: "list them in the check detail (c)")
        }
        let record = downtimes.remove(at: index)
        try await store.removeDowntime(id: id)
        let key = Key(service: record.service, environment: record.environment)
        await refreshDowntimes(key, at: clock.now)
        await publish(key)
    }

    /// Recomputes which instances of a slot are in downtime; a scheduled downtime that starts or
    /// ends for an active instance goes into its history (a deploy's does not: every deploy has one).
    func refreshDowntimes(_ key: Key, at date: Date) async {
        for id in slots[key]?.instances.keys.sorted() ?? [] {
            guard let live = slots[key]?.instances[id] else { continue }
            let check = live.check
            let reason = downtimeReason(key, live: live, at: date, problemSince: check.status == .ok ? nil : check.lastHardStateChange)
            let before = live.record.downtime
            guard reason != before else { continue }
            slots[key]?.instances[id]?.record.downtime = reason
            let (scheduledBefore, scheduledNow) = (before == "deploy" ? nil : before, reason == "deploy" ? nil : reason)
            guard live.record.active, !live.retired, scheduledBefore != scheduledNow else { continue }
            let kind: HealthEvent.Kind = scheduledNow == nil ? .downtimeEnded : .downtimeStarted
            let event = HealthEvent(instance: id, service: key.service, environment: key.environment, at: date, kind: kind, status: check.status,
                                    stateType: check.stateType, attempt: "\(check.currentAttempt)/\(check.maxAttempts)", output: scheduledNow ?? scheduledBefore ?? "")
            _ = try? await store.appendHealthEvent(event, keep: Self.healthHistoryLength)
        }
    }

    /// Forgets downtimes that can no longer be active.
    func expireDowntimes(at date: Date) async {
        let over = downtimes.filter { $0.downtime.isOver(at: date) }
        guard !over.isEmpty else { return }
        downtimes.removeAll { $0.downtime.isOver(at: date) }
        for record in over { try? await store.removeDowntime(id: record.id) }
    }

    // MARK: - Commands and queries

    /// Runs an instance's check at once.
    public func forceCheck(instance id: String) async throws {
        let key = try slotKey(of: id)
        let service = try service(key.service)
        guard service.health.kind != .passive else {
            throw ShipdeckError(.invalid, "\(id)'s check is passive: the service sends its results", field: "instance",
                                hint: "send a result with `shipdeck check submit`, or give the service an active check (type: http, tcp or command)")
        }
        await checkNow(key, id: id, service: service)
        await publish(key)
    }

    /// Applies a passive result (or a heartbeat) to one instance, or to every active instance of the
    /// service in the environment.
    /// - Returns: the instances it was applied to.
    @discardableResult
    public func submit(service name: String, environment: String, instance: String?, status: CheckStatus, output: String) async throws -> [String] {
        let key = try key(name, environment)
        let service = try service(name)
        let ids: [String]
        if let instance {
            guard slots[key]?.instances[instance] != nil else {
                throw ShipdeckError(.notFound, "\(key) has no instance '\(instance)'", field: "instance",
                                    hint: Suggestion.hint(for: instance, in: slots[key]?.instances.keys.sorted() ?? []))
            }
            ids = [instance]
        } else {
            // Instances still starting count too: their heartbeats are what lets a passive check pass the gate.
            ids = (slots[key]?.instances.values ?? [:].values).filter { !$0.retired && ($0.record.active || $0.record.state == .starting) }
                .map(\.record.id).sorted()
            guard !ids.isEmpty else {
                throw ShipdeckError(.notFound, "\(name) runs no instance in \(environment) to take this result", field: "service",
                                    hint: "deploy it first (`shipdeck deploy \(name) IMAGE --env \(environment)`)")
            }
        }
        let now = clock.now
        var result = CheckResult(exitCode: Int32(status.rawValue), stdout: output, duration: 0, at: now, passive: true)
        result.status = status
        for id in ids { await apply(result, to: key, id: id, service: service) }
        await publish(key)
        return ids
    }

    /// The slot an instance belongs to.
    func slotKey(of id: String) throws -> Key {
        guard let key = sortedKeys.first(where: { slots[$0]?.instances[id] != nil }) else {
            throw ShipdeckError(.notFound, "there is no instance '\(id)'", field: "instance",
                                hint: Suggestion.hint(for: id, in: slots.values.flatMap { $0.instances.keys }))
        }
        return key
    }

    /// Everything known of an instance's health check.
    public func checkDetail(instance id: String) async throws -> CheckDetail {
        let key = try slotKey(of: id)
        let service = try service(key.service)
        let history = (try? await store.healthEvents(instance: id, limit: 50)) ?? []
        guard let live = slots[key]?.instances[id] else { throw ShipdeckError(.notFound, "\(id) stopped meanwhile", field: "instance") }
        let check = live.check
        let spec = checkSpec(key, id: id, service: service)
        let now = clock.now
        return CheckDetail(instance: id, service: key.service, environment: key.environment, kind: service.health.kind.rawValue,
                           target: spec?.target ?? "", status: check.status, stateType: check.stateType, attempt: check.currentAttempt,
                           maxAttempts: check.maxAttempts, lastCheck: check.lastCheck, lastStateChange: check.lastStateChange,
                           nextCheck: service.health.kind == .passive ? nil : live.nextCheck, output: check.lastOutput,
                           longOutput: check.lastLongOutput, perfdata: check.lastPerfdata, duration: check.lastDuration,
                           flapping: check.isFlapping, percentStateChange: (check.percentStateChange * 10).rounded() / 10,
                           perfHistory: live.perf.keys.sorted().compactMap { live.perf[$0] }, history: history,
                           downtimes: downtimes.filter { $0.covers(service: key.service, environment: key.environment, instance: id) && !$0.downtime.isOver(at: now) },
                           inDowntime: live.record.downtime != nil)
    }
}
