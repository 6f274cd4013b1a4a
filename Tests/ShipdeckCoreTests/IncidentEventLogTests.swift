import Foundation
import Testing
@testable import ShipdeckCore

/// How the core records incidents: the event log's entry reuses the store's JSON of the incident,
/// and the snapshot keeps incidents newest first as they change.
@Suite struct IncidentEventLogTests {
    static let t0 = Date.utc("2024-01-10 12:00")

    static func incident(_ id: Int64, key: String, state: Incident.State = .triggered, triggers: Int = 1) -> Incident {
        var incident = Incident(id: id, dedupKey: key, summary: "\(key) is down", source: "test", severity: .critical, urgency: .high,
                                state: state, service: "orders", customDetails: #"{"p99": 2.5}"#, integration: "grafana", createdAt: t0,
                                timeline: [TimelineEntry(at: t0, kind: .trigger, by: "grafana", text: "critical, from test")])
        incident.triggerCount = triggers
        return incident
    }

    @Test func anIncidentsLogEntryDecodesAsTheChangeItself() throws {
        let incident = Self.incident(7, key: "orders/p99", triggers: 3)
        let entry = WorkspaceCore.incidentLogEntry(json: String(decoding: try JSONEncoder().encode(incident), as: UTF8.self))
        let change = CoreEvent.Change.incidentUpdated(incident: incident)
        #expect(entry.kind == WorkspaceCore.kind(of: change))
        #expect(try JSONDecoder().decode(CoreEvent.Change.self, from: Data(entry.json.utf8)) == change)
        #expect(try JSONDecoder().decode(CoreEvent.Change.self, from: Data(try WorkspaceCore.logEntry(change).json.utf8)) == change)
    }

    /// An incident with every property set, and text that needs escaping.
    static var everything: Incident {
        var incident = incident(12, key: "db-1/disk \"quoted\" \\ back", triggers: 7)
        incident.summary = "line one\nline two\ttabbed \u{1} control, émoji 🚨"
        incident.state = .acknowledged
        (incident.environment, incident.component, incident.group, incident.eventClass) = ("prod", "mysql", "db", "disk")
        (incident.acknowledgedBy, incident.acknowledgedAt, incident.resolvedBy, incident.resolvedAt) = ("ana", t0 + 60.125, "ben", t0 + 0.000001)
        (incident.snoozedUntil, incident.heldUntil, incident.nextEscalationAt) = (t0 + 3600, t0 - 86_400 * 365 * 30, t0 + 1e9)
        (incident.escalationLevel, incident.escalationLoop, incident.paged, incident.nextPaged) = (1, 2, ["ana", "chen"], ["fay"])
        incident.timeline.append(TimelineEntry(at: t0 + 1.5, kind: .note, by: "fay", text: #"said "hi" \ {"json": [1]}"#))
        return incident
    }

    @Test func theStoresHandWrittenJSONReadsBackAsTheIncident() throws {
        let incident = Self.everything
        let json = IncidentJSON.encode(incident)
        #expect(try JSONDecoder().decode(Incident.self, from: Data(json.utf8)) == incident)
        // Every property is written: a property added to Incident or TimelineEntry must be added to IncidentJSON.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == Set(Mirror(reflecting: incident).children.compactMap(\.label)))
        #expect(IncidentJSON.incidentKeys == Set(Mirror(reflecting: incident).children.compactMap(\.label)))
        let entry = try #require((object["timeline"] as? [[String: Any]])?.first)
        #expect(Set(entry.keys) == Set(Mirror(reflecting: incident.timeline[0]).children.compactMap(\.label)))
        #expect(IncidentJSON.timelineKeys == Set(entry.keys))
        // And it is what JSONEncoder writes, up to the order of the keys.
        let encoded = try JSONEncoder().encode(incident)
        #expect(try JSONDecoder().decode(Incident.self, from: encoded) == JSONDecoder().decode(Incident.self, from: Data(json.utf8)))
        let minimal = Self.incident(1, key: "k")
        #expect(try JSONDecoder().decode(Incident.self, from: Data(IncidentJSON.encode(minimal).utf8)) == minimal)
    }

    @Test func theStoresQueriesFollowAnIncidentsChanges() async throws {
        let store = try SQLiteStore.inMemory()
        var incident = try await store.saveIncident(Self.incident(0, key: "orders/p99"), log: nil).value
        incident.triggerCount = 2
        incident = try await store.saveIncident(incident, log: nil).value
        #expect(try await store.openIncident(dedupKey: "orders/p99")?.triggerCount == 2)
        (incident.state, incident.resolvedAt) = (.resolved, Self.t0 + 60)
        incident = try await store.saveIncident(incident, log: nil).value
        #expect(try await store.openIncident(dedupKey: "orders/p99") == nil)
        #expect(try await store.incidents(resolvedAfter: Self.t0, limit: 10) == [incident])
        #expect(try await store.incidents(resolvedAfter: Self.t0 + 120, limit: 10).isEmpty)
        incident.dedupKey = "orders/p99-renamed"
        incident.timeline.append(TimelineEntry(at: Self.t0 + 61, kind: .note, by: "ana", text: "after the fact"))
        incident = try await store.saveIncident(incident, log: nil).value
        #expect(try await store.incident(id: incident.id) == incident)
    }

    @Test func recordedIncidentsReplayFromTheEventLog() async throws {
        let store = try SQLiteStore.inMemory()
        let core = try await WorkspaceCore.open(config: try Fixtures.config(), store: store, clock: ManualClock(Self.t0))
        var saved = try await core.recordIncident(Self.incident(0, key: "orders/p99"))
        saved.triggerCount = 2
        saved = try await core.recordIncident(saved)
        var replayed: [Incident] = []
        for await event in await core.events(after: 0) {
            if case .incidentUpdated(let incident) = event.change { replayed.append(incident) }
            if replayed.count == 2 { break }
        }
        #expect(replayed.map(\.triggerCount) == [1, 2])
        #expect(replayed.last == saved)
        #expect(try await store.incident(id: saved.id) == saved)
    }

    @Test func aRestartedCoreStillListsEveryOpenIncident() async throws {
        let store = try SQLiteStore.inMemory()
        let open = WorkspaceSnapshot.alertsShown + 20
        for index in 1...(open + 30) {
            _ = try await store.saveIncident(Self.incident(0, key: "k\(index)", state: index % 5 == 0 && index <= 150 ? .resolved : .triggered), log: nil)
        }
        let core = try await WorkspaceCore.open(config: try Fixtures.config(), store: store, clock: ManualClock(Self.t0))
        let alerts = await core.snapshot().alerts
        let stored = try await store.incidents(resolvedAfter: .distantPast, limit: 10_000)
        #expect(alerts.filter(\.isOpen).count == stored.filter(\.isOpen).count)
        #expect(alerts.map(\.id) == alerts.map(\.id).sorted(by: >))
        #expect(alerts.count == stored.filter(\.isOpen).count, "no room left for resolved ones beyond \(WorkspaceSnapshot.alertsShown)")
    }

    @Test func theSnapshotKeepsIncidentsNewestFirstAsTheyChange() {
        var snapshot = WorkspaceSnapshot(workspace: WorkspaceInfo(name: "w", path: "/w", cardPrefix: "SHP", environments: [], currentEnvironment: "test"),
                                         currentUser: nil, onCall: [], board: BoardSnapshot(columns: []), pipelines: [], fleet: [], alerts: [])
        for id: Int64 in [2, 5, 3, 1, 4] { snapshot.apply(.incidentUpdated(incident: Self.incident(id, key: "k\(id)"))) }
        #expect(snapshot.alerts.map(\.id) == [5, 4, 3, 2, 1])
        snapshot.apply(.incidentUpdated(incident: Self.incident(3, key: "k3", state: .acknowledged, triggers: 4)))
        #expect(snapshot.alerts.map(\.id) == [5, 4, 3, 2, 1])
        #expect(snapshot.alerts[2].state == .acknowledged && snapshot.alerts[2].triggerCount == 4)
        // Beyond what the pane shows, resolved incidents fall off, oldest first; open ones stay.
        for id in Int64(6)...Int64(WorkspaceSnapshot.alertsShown + 3) {
            snapshot.apply(.incidentUpdated(incident: Self.incident(id, key: "k\(id)", state: id < 50 ? .resolved : .triggered)))
        }
        #expect(snapshot.alerts.count == WorkspaceSnapshot.alertsShown)
        let newest = Int64(WorkspaceSnapshot.alertsShown + 3)
        #expect(snapshot.alerts.map(\.id) == Array((9...newest).reversed()) + [5, 4, 3, 2, 1], "resolved 6, 7 and 8 fell off")
    }
}
