import Foundation
import Synchronization
import Testing
@testable import ShipdeckCore

/// Delivers nothing; fails the first `failures` attempts per person and channel, records every attempt.
final class NotifierTwin: Notifier, Sendable {
    private let state = Mutex<(failures: Int, attempts: [String])>((0, []))

    init(failures: Int = 0) { state.withLock { $0.failures = failures } }

    func deliver(_ page: Page, via channel: ChannelConfig) async throws {
        let fail = state.withLock { state -> Bool in
            state.attempts.append("\(page.person) via \(channel.name): \(page.reason)")
            guard state.failures > 0 else { return false }
            state.failures -= 1
            return true
        }
        if fail { throw ShipdeckError(.io, "connection refused") }
    }

    var attempts: [String] { state.withLock { $0.attempts } }
}

@Suite("Alert engine")
struct AlertEngineTests {
    /// Wednesday 2026-11-25 10:00 in Berlin (09:00 UTC): dingo's hours.
    static let wednesday10 = ISO8601DateFormatter().date(from: "2026-11-25T09:00:00Z")!

    static let config = """
        name: Alerts
        services:
          orders: {repo: services/orders, run: python3 app.py, port: 8100}
          mail:
            repo: services/mail
            run: python3 app.py
            port: 8101
            support_hours: {hours: "09:00-18:00", days: [mon, tue, wed, thu, fri]}
        people:
          ana: {name: Ana Ruiz, roles: [dev, oncall]}
          chen: {name: Chen Wei, roles: [dev, oncall]}
          dara: {name: Dara Singh, roles: [prod, oncall]}
          fay: {name: Fay Moreau, roles: [dev, prod, oncall, lead]}
          ben: {name: Ben Okafor, roles: [dev, prod]}
        oncall:
          timezone: Europe/Berlin
          rotas:
            dingo: {people: [ana, chen], rotation: weekly, handoff: "mon 09:00", hours: "09:00-18:00", days: [mon, tue, wed, thu, fri]}
            owl: {people: [dara], rotation: weekly, handoff: "mon 09:00", hours: "18:00-09:00"}
            squid: {people: [fay, ben], rotation: weekly, handoff: "mon 09:00"}
        alerts:
          ack_timeout: 600
          auto_resolve: 7200
          escalation:
            levels:
              - {notify: ["rota:dingo", "rota:owl"], escalate_after: 300}
              - {notify: ["rota:squid"], escalate_after: 300}
            repeat: 1
          channels:
            pager: {command: "true", attempts: 3}

        """

    struct Rig {
        let clock: ManualClock
        let engine: AlertEngine
        let notifier: NotifierTwin
        let store: any Store
    }

    func rig(at date: Date = Self.wednesday10, failures: Int = 0, yaml: String = Self.config) throws -> Rig {
        let (parsed, errors) = ConfigLoader.parse(yaml, file: URL(fileURLWithPath: "/work/alerts/shipdeck.yml"))
        #expect(errors.isEmpty, "\(errors)")
        let clock = ManualClock(date)
        let store = try SQLiteStore.inMemory()
        let notifier = NotifierTwin(failures: failures)
        return Rig(clock: clock, engine: AlertEngine(config: try #require(parsed), store: store, clock: clock, notifier: notifier),
                   notifier: notifier, store: store)
    }

    /// Who holds `rota` at `date` in the test config.
    func holder(_ rota: String, at date: Date) throws -> String? {
        let config = try #require(ConfigLoader.parse(Self.config, file: URL(fileURLWithPath: "/x/shipdeck.yml")).0)
        return OnCallSchedule(config: config.onCall).slots(at: date).first { $0.rota == rota }?.person
    }

    func trigger(_ key: String?, _ summary: String = "orders p99 above 2 s", severity: Incident.Severity = .critical,
                 service: String? = "orders") -> AlertEvent {
        AlertEvent(action: .trigger, dedupKey: key, summary: summary, source: "grafana", severity: severity, integration: "grafana",
                   service: service, by: "grafana")
    }

    @Test("a trigger with the key of an open incident is appended to it; after it resolves the key opens a new one")
    func dedup() async throws {
        let rig = try rig()
        let first = try #require(try await rig.engine.ingest(trigger("orders-latency")).incident)
        let second = try #require(try await rig.engine.ingest(trigger("orders-latency", "orders p99 above 3 s")).incident)
        #expect(second.id == first.id)
        #expect(second.triggerCount == 2)
        #expect(second.summary == "orders p99 above 2 s", "the first trigger names the incident")
        #expect(second.timeline.map(\.kind) == [.trigger, .notify, .retrigger])
        #expect(await rig.engine.openIncidents().count == 1)
        let generated = try await rig.engine.ingest(trigger(nil)).dedupKey
        #expect(generated.count == 32, "a trigger without a key gets one")
        let resolved = try #require(try await rig.engine.ingest(AlertEvent(action: .resolve, dedupKey: "orders-latency", integration: "grafana", by: "grafana")).incident)
        #expect(resolved.state == .resolved && resolved.resolvedBy == "grafana")
        let again = try #require(try await rig.engine.ingest(trigger("orders-latency")).incident)
        #expect(again.id != first.id && again.state == .triggered && again.triggerCount == 1)
        #expect(try await rig.store.openIncident(dedupKey: "orders-latency")?.id == again.id)
    }

    @Test("triggered → acknowledged → resolved, each with who and when; acknowledging stops the escalation")
    func stateMachine() async throws {
        let rig = try rig()
        let incident = try #require(try await rig.engine.ingest(trigger("k")).incident)
        let dingo = try #require(try holder("dingo", at: Self.wednesday10)), squid = try #require(try holder("squid", at: Self.wednesday10))
        #expect(incident.state == .triggered && incident.paged == [dingo] && incident.nextPaged == [squid], "\(incident.paged) \(incident.nextPaged)")
        #expect(incident.nextEscalationAt == Self.wednesday10.addingTimeInterval(300))
        rig.clock.advance(by: 60)
        let acknowledged = try await rig.engine.acknowledge(id: incident.id, by: dingo)
        #expect(acknowledged.state == .acknowledged && acknowledged.acknowledgedBy == dingo && acknowledged.nextEscalationAt == nil)
        rig.clock.advance(by: 400)
        await rig.engine.runDue()
        #expect(try await rig.store.incident(id: incident.id)?.paged == [dingo], "no escalation once acknowledged")
        let resolved = try await rig.engine.resolve(id: incident.id, by: dingo)
        #expect(resolved.state == .resolved && resolved.resolvedAt == Self.wednesday10.addingTimeInterval(460))
        #expect(resolved.timeline.filter { $0.kind == .acknowledge || $0.kind == .resolve }.map(\.by) == [dingo, dingo], "\(resolved.timeline)")
        await #expect(throws: ShipdeckError.self) { try await rig.engine.acknowledge(id: incident.id, by: dingo) }
        let noted = try await rig.engine.addNote(id: incident.id, text: "cache warmed up", by: "chen")
        #expect(noted.timeline.last == TimelineEntry(at: Self.wednesday10.addingTimeInterval(460), kind: .note, by: "chen", text: "cache warmed up"))
    }

    @Test("unacknowledged, it escalates level by level at each level's delay, then loops the policy once, then stops")
    func escalationTiming() async throws {
        let rig = try rig()
        let id = try #require(try await rig.engine.ingest(trigger("k")).incident).id
        func paged() async throws -> [String] { try #require(try await rig.store.incident(id: id)).paged }
        let dingo = try #require(try holder("dingo", at: Self.wednesday10)), squid = try #require(try holder("squid", at: Self.wednesday10))
        #expect(try await paged() == [dingo])
        rig.clock.advance(by: 299)
        await rig.engine.runDue()
        #expect(try await paged() == [dingo], "not before the delay")
        rig.clock.advance(by: 1)
        await rig.engine.runDue()
        #expect(try await paged() == [squid], "level 2 at 300 s")
        rig.clock.advance(by: 300)
        await rig.engine.runDue()
        let looped = try #require(try await rig.store.incident(id: id))
        #expect(looped.paged == [dingo] && looped.escalationLoop == 1, "the policy repeats once from the top")
        rig.clock.advance(by: 300)
        await rig.engine.runDue()
        let last = try #require(try await rig.store.incident(id: id))
        #expect(last.paged == [squid] && last.nextEscalationAt == nil, "the end of the policy")
        #expect(await rig.engine.nextDue() == Self.wednesday10.addingTimeInterval(7200), "only the auto-resolve is left")
        #expect(last.timeline.filter { $0.kind == .escalate }.count == 3)
    }

    @Test("an acknowledgement that times out triggers again and pages from the first level; no trigger for auto_resolve resolves it")
    func timeouts() async throws {
        let rig = try rig()
        let id = try #require(try await rig.engine.ingest(trigger("k")).incident).id
        _ = try await rig.engine.acknowledge(id: id, by: "ana")
        let dingo = try #require(try holder("dingo", at: Self.wednesday10))
        rig.clock.advance(by: 599)
        await rig.engine.runDue()
        let timeline = try await rig.store.incident(id: id)?.timeline ?? []
        #expect(try await rig.store.incident(id: id)?.state == .acknowledged, "\(timeline)")
        rig.clock.advance(by: 1)
        await rig.engine.runDue()
        let retriggered = try #require(try await rig.store.incident(id: id))
        #expect(retriggered.state == .triggered && retriggered.paged == [dingo])
        #expect(retriggered.timeline.contains { $0.kind == .unacknowledge })
        rig.clock.set(Self.wednesday10.addingTimeInterval(7200))
        await rig.engine.runDue()
        let resolved = try #require(try await rig.store.incident(id: id))
        #expect(resolved.state == .resolved && resolved.resolvedBy == "shipdeck")
        #expect(await rig.engine.openIncidents().isEmpty)
    }

    @Test("a snoozed incident counts as acknowledged and triggers again from the first level when the snooze ends")
    func snooze() async throws {
        let rig = try rig()
        let id = try #require(try await rig.engine.ingest(trigger("k")).incident).id
        let snoozed = try await rig.engine.snooze(id: id, seconds: 900, by: "ana")
        #expect(snoozed.state == .acknowledged && snoozed.snoozedUntil == Self.wednesday10.addingTimeInterval(900))
        rig.clock.advance(by: 899)
        await rig.engine.runDue()
        #expect(try await rig.store.incident(id: id)?.state == .acknowledged, "no ack timeout while snoozed either")
        rig.clock.advance(by: 1)
        await rig.engine.runDue()
        let woken = try #require(try await rig.store.incident(id: id))
        let dingo = try holder("dingo", at: Self.wednesday10)
        #expect(woken.state == .triggered && woken.snoozedUntil == nil && woken.paged == [dingo].compactMap { $0 })
    }

    @Test("a low-urgency alert outside its service's support hours is held until they begin, then raised; high urgency pages at once")
    func supportHours() async throws {
        // Saturday 2026-11-28 11:00 Berlin.
        let saturday = ISO8601DateFormatter().date(from: "2026-11-28T10:00:00Z")!
        // No auto-resolve here: the weekend is longer than the test config's two hours.
        let rig = try rig(at: saturday, yaml: Self.config.replacingOccurrences(of: "  auto_resolve: 7200\n", with: ""))
        let held = try #require(try await rig.engine.ingest(trigger("mail-queue", "mail queue slow", severity: .warning, service: "mail")).incident)
        let monday = ISO8601DateFormatter().date(from: "2026-11-30T08:00:00Z")!  // Monday 09:00 Berlin
        #expect(held.urgency == .low && held.heldUntil == monday && held.paged.isEmpty)
        #expect(held.timeline.last?.kind == .hold)
        let urgent = try #require(try await rig.engine.ingest(trigger("mail-down", "mail down", severity: .critical, service: "mail")).incident)
        let squid = try holder("squid", at: saturday)
        #expect(urgent.heldUntil == nil && urgent.paged == [squid].compactMap { $0 },
                "high urgency pages at any hour: on a Saturday at 11:00 neither dingo nor owl is on, so the first level is skipped for squid")
        #expect(await rig.engine.nextDue() ?? .distantFuture <= monday)
        rig.clock.set(monday.addingTimeInterval(-1))
        await rig.engine.runDue()
        #expect(try await rig.store.incident(id: held.id)?.paged.isEmpty == true)
        rig.clock.set(monday)
        await rig.engine.runDue()
        let raised = try #require(try await rig.store.incident(id: held.id))
        let mondayDingo = try holder("dingo", at: monday)
        #expect(raised.heldUntil == nil && raised.paged == [mondayDingo].compactMap { $0 }, "Monday 09:00: the week's new dingo")
        #expect(raised.timeline.map(\.kind).suffix(2) == [.raise, .notify])
        let always = try #require(try await rig.engine.ingest(trigger("orders-slow", "orders slow", severity: .warning, service: "orders")).incident)
        #expect(always.heldUntil == nil, "a service without support hours is always supported")
    }

    @Test("who is paged follows the rota's hand-off in its time zone across the switch to summer time")
    func handoffAcrossDaylightSaving() async throws {
        // Berlin moves to CEST on Sunday 2026-03-29; the weekly hand-off stays at Monday 09:00 local, which is
        // 08:00 UTC the Monday before and 07:00 UTC the Monday after.
        let before = ISO8601DateFormatter().date(from: "2026-03-30T06:59:00Z")!
        let rig = try rig(at: before)
        let early = try #require(try await rig.engine.ingest(trigger("a", severity: .critical)).incident)
        rig.clock.set(ISO8601DateFormatter().date(from: "2026-03-30T07:01:00Z")!)
        let late = try #require(try await rig.engine.ingest(trigger("b", severity: .critical)).incident)
        let schedule = OnCallSchedule(config: try #require(ConfigLoader.parse(Self.config, file: URL(fileURLWithPath: "/x/shipdeck.yml")).0).onCall)
        let owlBefore = schedule.slots(at: before).first { $0.rota == "owl" }
        #expect(owlBefore?.person == "dara" && owlBefore?.until == ISO8601DateFormatter().date(from: "2026-03-30T07:00:00Z"))
        #expect(early.paged == ["dara"], "08:59 local: still the owl's night")
        #expect(late.paged.count == 1 && late.paged != early.paged, "09:01 local: the dingo of the new week")
        let dingo = schedule.slots(at: ISO8601DateFormatter().date(from: "2026-03-30T07:01:00Z")!).first { $0.rota == "dingo" }?.person
        #expect(late.paged == [dingo].compactMap { $0 })
    }

    @Test("a failed delivery is retried with backoff and each attempt is in the timeline")
    func deliveryRetries() async throws {
        let rig = try rig(failures: 2)
        let id = try #require(try await rig.engine.ingest(trigger("k")).incident).id
        func deliveries() async throws -> [String] {
            try #require(try await rig.store.incident(id: id)).timeline.filter { $0.kind == .delivery }.map(\.text)
        }
        try await waitUntil("the first attempt failed") { (try? await deliveries().count) == 1 }
        let dingo = try #require(try holder("dingo", at: Self.wednesday10))
        #expect(try await deliveries() == ["to \(dingo) failed (attempt 1/3): connection refused; retrying in 1 s"])
        rig.clock.advance(by: 1)
        await rig.engine.runDue()
        #expect(try await deliveries().last == "to \(dingo) failed (attempt 2/3): connection refused; retrying in 2 s")
        rig.clock.advance(by: 1)
        await rig.engine.runDue()
        #expect(try await deliveries().count == 2, "not before its backoff")
        rig.clock.advance(by: 1)
        await rig.engine.runDue()
        #expect(try await deliveries().last == "delivered to \(dingo) (attempt 3/3)")
        #expect(rig.notifier.attempts.count == 3)
    }

    @Test("config: escalation names rotas and people that exist, channels need a command or a webhook, routing keys are 32 characters")
    func configErrors() {
        let broken = Self.config
            .replacingOccurrences(of: "[\"rota:squid\"]", with: "[\"rota:squad\", zed]")
            .replacingOccurrences(of: "pager: {command: \"true\", attempts: 3}", with: "pager: {format: slack}\n  integrations:\n    grafana: {routing_key: short}")
        let errors = ConfigLoader.parse(broken, file: URL(fileURLWithPath: "/w/shipdeck.yml")).errors.map(\.description)
        #expect(errors.contains { $0.contains("names unknown rota 'squad'") && $0.contains("did you mean 'squid'") }, "\(errors)")
        #expect(errors.contains { $0.contains("names 'zed', who is neither a person nor a rota") }, "\(errors)")
        #expect(errors.contains { $0.contains("alerts.channels.pager needs exactly one of command: or webhook:") }, "\(errors)")
        #expect(errors.contains { $0.contains("routing_key must be 32 letters and digits") }, "\(errors)")
        #expect(errors.allSatisfy { $0.range(of: #"^shipdeck\.yml:\d+:\d+: "#, options: .regularExpression) != nil },
                "each names the file, line and column: \(errors)")
    }
}
