import Foundation

/// Turns alert events into incidents and incidents into pages, with PagerDuty's semantics: dedup by
/// key, triggered → acknowledged → resolved, escalation levels with delays and repeats, an
/// acknowledgement timeout, auto-resolve, snooze, and low-urgency alerts held outside their service's
/// support hours. Time comes from the clock; `runDue()` does what is due, so tests move a
/// `ManualClock` and call it.
public actor AlertEngine {
    let config: WorkspaceConfig
    let store: any Store
    let clock: any ShipdeckClock
    let notifier: any Notifier
    weak var recorder: (any AlertRecorder)?
    /// Open incidents by id (the engine's working set; resolved ones leave it).
    var open: [Int64: Incident] = [:]
    var byKey: [String: Int64] = [:]
    /// Deliveries waiting for a retry.
    var retries: [Retry] = []
    var loop: Task<Void, Never>?
    var started = false
    /// Serializes changes to incidents: a change reads an incident, suspends to store it, and must
    /// not interleave with another change of it (actors are re-entrant).
    var busy = false
    var waiting: [CheckedContinuation<Void, Never>] = []

    /// The most timeline entries an incident keeps: the first ones and the newest.
    static let timelineLimit = 200
    static let timelineHead = 20

    struct Retry: Sendable {
        var page: Page
        var channel: ChannelConfig
        var attempt: Int
        var at: Date
    }

    public init(config: WorkspaceConfig, store: any Store, clock: any ShipdeckClock, notifier: any Notifier) {
        self.config = config
        self.store = store
        self.clock = clock
        self.notifier = notifier
    }

    public func attach(_ recorder: any AlertRecorder) { self.recorder = recorder }

    /// Loads the open incidents (their timers go on where they were).
    public func load() async throws {
        for incident in try await store.incidents(resolvedAfter: clock.now, limit: 10_000) where incident.isOpen {
            open[incident.id] = incident
            byKey[incident.dedupKey] = incident.id
        }
    }

    /// Loads and runs the timers until `stop()`.
    public func start() async {
        guard !started else { return }
        started = true
        try? await load()
        loop = Task { [weak self] in await self?.runLoop() }
    }

    public func stop() {
        loop?.cancel()
        loop = nil
    }

    func lock() async {
        if !busy { busy = true; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func unlock() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    private func runLoop() async {
        while !Task.isCancelled {
            await runDue()
            let wait = min(1, max(0.05, (nextDue() ?? clock.now.addingTimeInterval(1)).timeIntervalSince(clock.now)))
            try? await Task.sleep(for: .milliseconds(Int(wait * 1000)))
        }
    }

    // MARK: - Events

    /// Applies one event. A trigger whose key matches an open incident is appended to it; otherwise it
    /// opens one. Acknowledge and resolve act on the open incident with the key, if there is one.
    /// - Returns: the incident it touched, and the dedup key (generated for a trigger without one).
    @discardableResult
    public func ingest(_ event: AlertEvent) async throws -> (incident: Incident?, dedupKey: String) {
        await lock()
        defer { unlock() }
        let now = clock.now
        let key = event.dedupKey ?? UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let existing = byKey[key].flatMap { open[$0] }
        switch event.action {
        case .trigger:
            if var incident = existing {
                incident.triggerCount += 1
                incident.updatedAt = now
                if event.effectiveUrgency == .high && incident.urgency == .low {
                    incident.urgency = .high
                    incident.heldUntil = nil
                }
                if Incident.Severity.allCases.firstIndex(of: event.severity)! < Incident.Severity.allCases.firstIndex(of: incident.severity)! {
                    incident.severity = event.severity
                }
                append(&incident, .retrigger, by: event.by, "\(event.summary) (trigger \(incident.triggerCount))")
                return (try await save(incident), key)
            }
            var incident = Incident(dedupKey: key, summary: event.summary, source: event.source, severity: event.severity,
                                    urgency: event.effectiveUrgency, service: event.service, environment: event.environment,
                                    component: event.component, group: event.group, eventClass: event.eventClass,
                                    customDetails: event.customDetails, integration: event.integration, createdAt: now)
            let when = event.timestamp.map { " (at the source: \(ISO8601DateFormatter().string(from: $0)))" } ?? ""
            append(&incident, .trigger, by: event.by, "\(event.severity.rawValue), \(incident.urgency.rawValue) urgency, from \(event.source)\(when)")
            if incident.urgency == .low, let until = supportHoursStart(for: incident, at: now) {
                incident.heldUntil = until
                append(&incident, .hold, by: "shipdeck", "outside \(incident.service ?? "")'s support hours: held until \(local(until))")
            }
            incident = try await save(incident)
            if incident.heldUntil == nil { incident = try await page(incident, level: 0, reason: "triggered") }
            return (incident, key)
        case .acknowledge:
            guard let incident = existing else { return (nil, key) }
            return (try await acknowledge(incident, by: event.by, note: nil), key)
        case .resolve:
            guard let incident = existing else { return (nil, key) }
            return (try await resolve(incident, by: event.by, note: nil), key)
        }
    }

    // MARK: - Commands

    public func acknowledge(id: Int64, by person: String) async throws -> Incident {
        await lock()
        defer { unlock() }
        return try await acknowledge(try openIncident(id), by: person, note: nil)
    }

    public func resolve(id: Int64, by person: String) async throws -> Incident {
        await lock()
        defer { unlock() }
        return try await resolve(try openIncident(id), by: person, note: nil)
    }

    public func addNote(id: Int64, text: String, by person: String) async throws -> Incident {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ShipdeckError(.invalid, "a note needs some text", field: "note", hint: "type what you found or did") }
        await lock()
        defer { unlock() }
        guard var incident = try await anyIncident(id) else { throw Self.noIncident(id) }
        append(&incident, .note, by: person, trimmed)
        incident.updatedAt = clock.now
        return try await save(incident)
    }

    /// Holds an incident's pages for `seconds`: it counts as acknowledged meanwhile and triggers
    /// again (from the first level) when the snooze ends, unless it was resolved.
    public func snooze(id: Int64, seconds: Double, by person: String) async throws -> Incident {
        guard seconds > 0 else { throw ShipdeckError(.invalid, "a snooze must last longer than 0 seconds", field: "duration", hint: "e.g. 30m") }
        await lock()
        defer { unlock() }
        var incident = try openIncident(id)
        let now = clock.now
        incident.snoozedUntil = now.addingTimeInterval(seconds)
        if incident.state == .triggered {
            incident.state = .acknowledged
            incident.acknowledgedBy = person
            incident.acknowledgedAt = now
        }
        incident.nextEscalationAt = nil
        incident.updatedAt = now
        append(&incident, .snooze, by: person, "snoozed until \(local(incident.snoozedUntil!))")
        return try await save(incident)
    }

    private func acknowledge(_ incident: Incident, by person: String, note: String?) async throws -> Incident {
        var incident = incident
        guard incident.state == .triggered else { return incident }
        let now = clock.now
        incident.state = .acknowledged
        incident.acknowledgedBy = person
        incident.acknowledgedAt = now
        incident.nextEscalationAt = nil
        incident.heldUntil = nil
        incident.updatedAt = now
        append(&incident, .acknowledge, by: person, note ?? "acknowledged")
        return try await save(incident)
    }

    private func resolve(_ incident: Incident, by person: String, note: String?) async throws -> Incident {
        var incident = incident
        let now = clock.now
        incident.state = .resolved
        incident.resolvedBy = person
        incident.resolvedAt = now
        incident.nextEscalationAt = nil
        incident.snoozedUntil = nil
        incident.heldUntil = nil
        incident.updatedAt = now
        append(&incident, .resolve, by: person, note ?? "resolved")
        retries.removeAll { $0.page.incident.id == incident.id }
        return try await save(incident)
    }

    func openIncident(_ id: Int64) throws -> Incident {
        guard let incident = open[id] else { throw Self.noIncident(id) }
        return incident
    }

    private func anyIncident(_ id: Int64) async throws -> Incident? {
        if let incident = open[id] { return incident }
        return try await store.incident(id: id)
    }

    static func noIncident(_ id: Int64) -> ShipdeckError {
        ShipdeckError(.notFound, "there is no open incident #\(id)", field: "incident", hint: "the Alerts pane (4) lists the open ones")
    }

    // MARK: - Saving

    /// Stores the incident through the core (event order) and keeps the working set current.
    /// Callers hold the lock.
    func save(_ incident: Incident) async throws -> Incident {
        var incident = incident
        trimTimeline(&incident)
        let saved: Incident
        if let recorder {
            saved = try await recorder.recordIncident(incident)
        } else {
            saved = try await store.saveIncident(incident, log: nil).value
        }
        if saved.isOpen {
            open[saved.id] = saved
            byKey[saved.dedupKey] = saved.id
        } else {
            open[saved.id] = nil
            if byKey[saved.dedupKey] == saved.id { byKey[saved.dedupKey] = nil }
        }
        return saved
    }

    func append(_ incident: inout Incident, _ kind: TimelineEntry.Kind, by: String, _ text: String) {
        incident.timeline.append(TimelineEntry(at: clock.now, kind: kind, by: by, text: text))
    }

    /// Keeps the first entries (how it began) and the newest.
    private func trimTimeline(_ incident: inout Incident) {
        let excess = incident.timeline.count - Self.timelineLimit
        guard excess > 0 else { return }
        incident.timeline.removeSubrange(Self.timelineHead..<(Self.timelineHead + excess))
    }

    /// `Mon 09:00 Europe/Berlin`.
    func local(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: config.onCall.timeZone) ?? .gmt
        formatter.dateFormat = "EEE HH:mm"
        return "\(formatter.string(from: date)) \(config.onCall.timeZone)"
    }

    // MARK: - Queries

    /// Open incidents, newest first.
    public func openIncidents() -> [Incident] { open.values.sorted { $0.id > $1.id } }
}
