import Foundation

extension AlertEngine {
    /// The escalation policy in force: the configured one, else every rota at once.
    var policy: EscalationPolicy {
        if !config.alerts.escalation.levels.isEmpty { return config.alerts.escalation }
        let rotas = config.onCall.rotas.map { EscalationTarget.rota($0.name) }
        return EscalationPolicy(levels: rotas.isEmpty ? [] : [EscalationLevel(targets: rotas, delay: 1800)], repeats: 0)
    }

    /// The people a level's targets resolve to at `date` (a rota outside its hours resolves to nobody).
    func people(of level: EscalationLevel, at date: Date) -> [String] {
        let slots = OnCallSchedule(config: config.onCall).slots(at: date)
        var result: [String] = []
        for target in level.targets {
            let handle: String? = switch target {
            case .person(let handle): handle
            case .rota(let name): slots.first { $0.rota == name }?.person
            }
            if let handle, !result.contains(handle) { result.append(handle) }
        }
        return result
    }

    /// Pages `level` (skipping levels that resolve to nobody now), schedules the next one, and
    /// records who is paged now and who would be next.
    func page(_ incident: Incident, level start: Int, reason: String) async throws -> Incident {
        var incident = incident
        let policy = self.policy
        let now = clock.now
        guard !policy.levels.isEmpty else {
            append(&incident, .notify, by: "shipdeck", "nobody to page: no escalation levels and no rotas are configured")
            return try await save(incident)
        }
        var level = start
        var loop = incident.escalationLoop
        var skipped: [Int] = []
        var people: [String] = []
        for _ in 0..<(policy.levels.count * (policy.repeats + 1)) {
            people = self.people(of: policy.levels[level], at: now)
            if !people.isEmpty { break }
            skipped.append(level + 1)
            guard let next = nextLevel(after: level, loop: loop, policy: policy) else { break }
            (level, loop) = next
        }
        if !skipped.isEmpty && !people.isEmpty {
            append(&incident, .escalate, by: "shipdeck", "level \(skipped.map(String.init).joined(separator: ", ")): nobody on call now")
        }
        incident.escalationLevel = level
        incident.escalationLoop = loop
        incident.paged = people
        if people.isEmpty {
            append(&incident, .notify, by: "shipdeck", "nobody on call to page now (\(reason))")
        } else {
            let loopText = loop > 0 ? " (repeat \(loop))" : ""
            append(&incident, level == 0 && loop == 0 ? .notify : .escalate, by: "shipdeck",
                   "paged \(people.joined(separator: ", ")) — level \(level + 1)\(loopText), \(reason)")
        }
        if let next = nextLevel(after: level, loop: loop, policy: policy) {
            let at = now.addingTimeInterval(policy.levels[level].delay)
            incident.nextEscalationAt = at
            incident.nextPaged = self.people(of: policy.levels[next.level], at: at)
        } else {
            incident.nextEscalationAt = nil
            incident.nextPaged = []
        }
        incident.updatedAt = now
        let saved = try await save(incident)
        for person in people { deliver(saved, to: person, reason: reason) }
        return saved
    }

    /// The level after `level`, looping the policy `repeats` times; nil at the very end.
    func nextLevel(after level: Int, loop: Int, policy: EscalationPolicy) -> (level: Int, loop: Int)? {
        if level + 1 < policy.levels.count { return (level + 1, loop) }
        if loop < policy.repeats { return (0, loop + 1) }
        return nil
    }

    // MARK: - Deliveries

    /// Sends the page through every channel (in the background); each outcome goes into the timeline.
    func deliver(_ incident: Incident, to person: String, reason: String) {
        let config = self.config.person(person)
        let page = Page(incident: incident, person: person, name: config?.name ?? person, email: config?.email, reason: reason)
        let now = clock.now
        for channel in self.config.alerts.channels {
            let retry = Retry(page: page, channel: channel, attempt: 1, at: now)
            Task { await self.attempt(retry) }
        }
    }

    func attempt(_ retry: Retry) async {
        let outcome: String?
        do {
            try await notifier.deliver(retry.page, via: retry.channel)
            outcome = nil
        } catch {
            outcome = "\(error)"
        }
        await lock()
        defer { unlock() }
        var stored = open[retry.page.incident.id]
        if stored == nil { stored = try? await store.incident(id: retry.page.incident.id) }
        guard var incident = stored else { return }
        let attempts = "attempt \(retry.attempt)/\(retry.channel.attempts)"
        if let outcome {
            if retry.attempt < retry.channel.attempts && incident.isOpen {
                let delay = pow(2, Double(retry.attempt - 1))
                var next = retry
                next.attempt += 1
                next.at = clock.now.addingTimeInterval(delay)
                retries.append(next)
                append(&incident, .delivery, by: retry.channel.name,
                       "to \(retry.page.person) failed (\(attempts)): \(outcome); retrying in \(Int(delay)) s")
            } else {
                append(&incident, .delivery, by: retry.channel.name, "to \(retry.page.person) failed (\(attempts)): \(outcome); giving up")
            }
        } else {
            append(&incident, .delivery, by: retry.channel.name, "delivered to \(retry.page.person) (\(attempts))")
        }
        _ = try? await save(incident)
    }

    // MARK: - Timers

    /// The earliest moment something is due: an escalation, an acknowledgement timeout, an
    /// auto-resolve, the end of a snooze or of a hold, a delivery retry.
    public func nextDue() -> Date? {
        var dates = retries.map(\.at)
        for incident in open.values { dates += dueDates(of: incident) }
        return dates.min()
    }

    private func dueDates(of incident: Incident) -> [Date] {
        var dates: [Date] = []
        if let at = incident.heldUntil { dates.append(at) }
        if let at = incident.snoozedUntil { dates.append(at) }
        if incident.state == .triggered, incident.heldUntil == nil, let at = incident.nextEscalationAt { dates.append(at) }
        if incident.state == .acknowledged, incident.snoozedUntil == nil, let timeout = config.alerts.ackTimeout,
           let acknowledged = incident.acknowledgedAt {
            dates.append(acknowledged.addingTimeInterval(timeout))
        }
        if let after = config.alerts.autoResolve { dates.append(lastTrigger(of: incident).addingTimeInterval(after)) }
        return dates
    }

    func lastTrigger(of incident: Incident) -> Date {
        incident.timeline.last { $0.kind == .trigger || $0.kind == .retrigger }?.at ?? incident.createdAt
    }

    /// Does everything that is due now.
    public func runDue() async {
        let now = clock.now
        let due = retries.filter { $0.at <= now }
        retries.removeAll { $0.at <= now }
        for retry in due { await attempt(retry) }
        for id in open.keys.sorted() {
            await lock()
            if let incident = open[id] { _ = try? await runTimers(incident, now: now) }
            unlock()
        }
    }

    private func runTimers(_ incident: Incident, now: Date) async throws -> Incident {
        var incident = incident
        if let after = config.alerts.autoResolve, lastTrigger(of: incident).addingTimeInterval(after) <= now {
            incident.state = .resolved
            incident.resolvedBy = "shipdeck"
            incident.resolvedAt = now
            incident.nextEscalationAt = nil
            incident.updatedAt = now
            append(&incident, .resolve, by: "shipdeck", "resolved automatically: no trigger for \(Int(after)) s")
            return try await save(incident)
        }
        if let until = incident.heldUntil, until <= now {
            incident.heldUntil = nil
            append(&incident, .raise, by: "shipdeck", "support hours began: raised")
            incident = try await save(incident)
            guard incident.state == .triggered else { return incident }
            return try await page(incident, level: 0, reason: "support hours began")
        }
        if let until = incident.snoozedUntil, until <= now {
            incident.snoozedUntil = nil
            incident.state = .triggered
            incident.escalationLoop = 0
            append(&incident, .retrigger, by: "shipdeck", "the snooze ended: triggered again")
            return try await page(incident, level: 0, reason: "re-triggered: the snooze ended")
        }
        if incident.state == .acknowledged, incident.snoozedUntil == nil, let timeout = config.alerts.ackTimeout,
           let acknowledged = incident.acknowledgedAt, acknowledged.addingTimeInterval(timeout) <= now {
            incident.state = .triggered
            incident.escalationLoop = 0
            append(&incident, .unacknowledge, by: "shipdeck", "acknowledged \(Int(timeout)) s ago and not resolved: triggered again")
            return try await page(incident, level: 0, reason: "re-triggered: the acknowledgement timed out")
        }
        if incident.state == .triggered, incident.heldUntil == nil, let at = incident.nextEscalationAt, at <= now,
           let next = nextLevel(after: incident.escalationLevel, loop: incident.escalationLoop, policy: policy) {
            incident.escalationLoop = next.loop
            return try await page(incident, level: next.level, reason: "not acknowledged: escalated to level \(next.level + 1)")
        }
        return incident
    }

    // MARK: - Support hours

    /// When the service's support hours next begin, if the incident came outside them; nil inside
    /// them or when the service has none (always supported).
    func supportHoursStart(for incident: Incident, at date: Date) -> Date? {
        guard let name = incident.service, let hours = config.service(named: name)?.supportHours else { return nil }
        let rota = RotaConfig(name: "support", people: ["-"], rotation: .daily, handoff: Handoff(time: TimeOfDay(hour: 0, minute: 0)),
                              hours: hours.window, days: hours.days)
        let slot = OnCallSchedule(config: OnCallConfig(timeZone: config.onCall.timeZone, rotas: [rota])).slot(for: rota, at: date)
        return slot.person == nil ? slot.until : nil
    }
}
