import Foundation
import Testing
@testable import ShipdeckCore

@Suite struct SQLiteStoreTests {
    static let t0 = Date.utc("2024-05-01 10:00")

    static func card(_ id: String, column: String, position: Int = 0) -> Card {
        Card(id: id, title: "Card \(id)", description: "text", column: column, position: position, assignee: "ana",
             labels: ["bug"], services: ["orders"], createdAt: t0, updatedAt: t0)
    }

    @Test func migrationsRunOnceAndDataSurvivesReopen() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let file = folder.url.appendingPathComponent(".shipdeck/state.sqlite")
        do {
            let store = try SQLiteStore.open(at: file)
            #expect(try await store.appliedMigrations() == ["v1-initial", "v2-indexes", "v3-build-jobs-logs", "fleet-v1", "fleet-v2-runs", "health-v1", "alerts-v1", "board-v1-delivery"])
            try await store.upsertCard(Self.card("SHP-1", column: "Backlog"), by: "ana", change: "created")
            _ = try await store.nextCardNumber()
        }
        let reopened = try SQLiteStore.open(at: file)
        #expect(try await reopened.appliedMigrations() == ["v1-initial", "v2-indexes", "v3-build-jobs-logs", "fleet-v1", "fleet-v2-runs", "health-v1", "alerts-v1", "board-v1-delivery"])
        #expect(try await reopened.cards() == [Self.card("SHP-1", column: "Backlog")])
        #expect(try await reopened.nextCardNumber() == 2)
    }

    @Test func aChangeAndItsEventAreStoredTogetherOrNotAtAll() async throws {
        let store = try SQLiteStore.inMemory()
        try await store.upsertCard(Self.card("SHP-1", column: "Backlog"), by: "ana", change: "created")
        struct Boom: Error {}
        await #expect(throws: ShipdeckError.self) {
            _ = try await store.moveCard(id: "SHP-1", toColumn: "Done", by: "ana", at: Self.t0, log: { _ in throw Boom() })
        }
        #expect(try await store.card(id: "SHP-1")?.column == "Backlog", "the move was rolled back with its event")
        let logged = try await store.moveCard(id: "SHP-1", toColumn: "Done", by: "ana", at: Self.t0,
                                              log: { LogEntry(kind: "cardUpdated", json: "{\"id\":\"\($0.id)\"}") })
        #expect(logged.sequence == 1)
        #expect(try await store.events(after: 0, limit: 10).map(\.json) == [#"{"id":"SHP-1"}"#])
    }

    @Test func fileStoreUsesWriteAheadLogging() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let store = try SQLiteStore.open(at: folder.url.appendingPathComponent("state.sqlite"))
        #expect(try await store.journalMode() == "wal")
    }

    @Test func moveCardAppendsToTargetColumnAndRecordsHistory() async throws {
        let store = try SQLiteStore.inMemory()
        try await store.upsertCard(Self.card("SHP-1", column: "Backlog"), by: "ana", change: "created in Backlog")
        try await store.upsertCard(Self.card("SHP-2", column: "Review", position: 4), by: "ana", change: "created in Review")
        let later = Self.t0.addingTimeInterval(60)
        let moved = try await store.moveCard(id: "SHP-1", toColumn: "Review", by: "ben", at: later)
        #expect(moved.column == "Review")
        #expect(moved.position == 5)
        #expect(moved.updatedAt == later)
        #expect(try await store.card(id: "SHP-1") == moved)
        #expect(try await store.history(cardID: "SHP-1") == [
            CardHistoryEntry(cardID: "SHP-1", at: Self.t0, who: "ana", change: "created in Backlog"),
            CardHistoryEntry(cardID: "SHP-1", at: later, who: "ben", change: "moved from Backlog to Review"),
        ])
    }

    @Test func deleteCardRemovesItButKeepsHistory() async throws {
        let store = try SQLiteStore.inMemory()
        try await store.upsertCard(Self.card("SHP-1", column: "Backlog"), by: "ana", change: "created")
        let deleted = try await store.deleteCard(id: "SHP-1", by: "fay", at: Self.t0)
        #expect(deleted.id == "SHP-1")
        #expect(try await store.cards().isEmpty)
        #expect(try await store.history(cardID: "SHP-1").last?.change == "deleted from Backlog")
        await #expect(throws: ShipdeckError.self) { try await store.deleteCard(id: "SHP-1", by: "fay", at: Self.t0) }
    }

    @Test func cardNumbersAreNeverReused() async throws {
        let store = try SQLiteStore.inMemory()
        #expect(try await store.nextCardNumber() == 1)
        #expect(try await store.nextCardNumber() == 2)
        #expect(try await store.nextCardNumber() == 3)
    }

    @Test func eventLogAssignsIncreasingSequences() async throws {
        let store = try SQLiteStore.inMemory()
        #expect(try await store.lastEventSequence() == 0)
        let first = try await store.appendEvent(at: Self.t0, kind: "notice", json: "{}")
        let second = try await store.appendEvent(at: Self.t0, kind: "notice", json: "[]")
        #expect(second > first)
        #expect(try await store.events(after: first, limit: 10) == [StoredEvent(sequence: second, at: Self.t0, kind: "notice", json: "[]")])
        #expect(try await store.lastEventSequence() == second)
    }

    @Test func buildsAndOpenAlertsRoundTrip() async throws {
        let store = try SQLiteStore.inMemory()
        for number in 1...3 {
            _ = try await store.saveBuild(BuildRecord(id: 0, service: "orders", number: number, commit: "abc", branch: "main",
                                                      message: "m", state: .passed, createdAt: Self.t0, finishedAt: nil))
        }
        #expect(try await store.recentBuilds(service: "orders", limit: 2).map(\.number) == [3, 2])
        var alert = try await store.saveIncident(Incident(dedupKey: "orders-down", summary: "orders is down", source: "test", severity: .critical,
                                                          urgency: .high, service: "orders", integration: "cli", createdAt: Self.t0), log: nil).value
        #expect(alert.id > 0)
        #expect(try await store.openIncident(dedupKey: "orders-down") == alert)
        #expect(try await store.incidents(resolvedAfter: Self.t0, limit: 10) == [alert])
        alert.state = .resolved
        alert.resolvedAt = Self.t0.addingTimeInterval(60)
        _ = try await store.saveIncident(alert, log: nil)
        #expect(try await store.openIncident(dedupKey: "orders-down") == nil)
        #expect(try await store.incidents(resolvedAfter: Self.t0, limit: 10) == [alert], "resolved after the given instant")
        #expect(try await store.incidents(resolvedAfter: Self.t0.addingTimeInterval(120), limit: 10).isEmpty)
        #expect(try await store.incident(id: alert.id) == alert)
    }

    @Test func peopleAndSettingsRoundTrip() async throws {
        let store = try SQLiteStore.inMemory()
        try await store.replacePeople([Person(handle: "ben", name: "Ben", roles: ["prod"]), Person(handle: "ana", name: "Ana", roles: [])])
        #expect(try await store.people().map(\.handle) == ["ana", "ben"])
        try await store.setSetting("demo.seeded", to: "yes")
        #expect(try await store.setting("demo.seeded") == "yes")
        try await store.setSetting("demo.seeded", to: nil)
        #expect(try await store.setting("demo.seeded") == nil)
    }

    @Test func logLinesRoundTripThroughBothInsertShapesAndPages() async throws {
        let store = try SQLiteStore.inMemory()
        // 64 rows go to one multi-row statement: 150 lines use it twice, then 22 single-row inserts.
        let texts = ["plain", "", "ünïcödé ✓", "tab\there", "a\u{0}b", String(repeating: "x", count: 3_000), "\u{1B}[31mred\u{1B}[0m"]
        let streams: [LogLine.Stream] = [.stdout, .stderr, .system]
        let lines = (1...150).map { n in
            LogLine(line: n, at: Self.t0.addingTimeInterval(Double(n / 3) * 0.125), stream: streams[n % 3], text: texts[n % texts.count])
        }
        try await store.appendLog(buildID: 7, jobID: "unit-tests", attempt: 1, lines: Array(lines[0..<100]))
        try await store.appendLog(buildID: 7, jobID: "unit-tests", attempt: 1, lines: Array(lines[100...]))
        try await store.appendLog(buildID: 7, jobID: "unit-tests", attempt: 2, lines: [LogLine(line: 1, at: Self.t0, stream: .stdout, text: "retry")])
        try await store.appendLog(buildID: 7, jobID: "lint", attempt: 1, lines: [LogLine(line: 1, at: Self.t0, stream: .stdout, text: "lint")])

        // Times are stored to the millisecond (these are exact in binary, so they come back equal).
        let all = try await store.log(buildID: 7, jobID: "unit-tests", attempt: 1, after: 0, limit: 1000)
        #expect(all.count == lines.count)
        for (stored, written) in zip(all, lines) where stored != written {
            Issue.record("line \(written.line) came back as \(stored.line) \(stored.stream) \(stored.at.timeIntervalSince1970) \(stored.text.prefix(20).debugDescription)")
        }
        let page = try await store.log(buildID: 7, jobID: "unit-tests", attempt: 1, after: 60, limit: 10)
        #expect(page.map(\.line) == Array(61...70))
        #expect(try await store.log(buildID: 7, jobID: "unit-tests", attempt: 2, after: 0, limit: 10).map(\.text) == ["retry"])
        #expect(try await store.log(buildID: 7, jobID: "lint", attempt: 1, after: 0, limit: 10).map(\.text) == ["lint"])
        #expect(try await store.log(buildID: 8, jobID: "unit-tests", attempt: 1, after: 0, limit: 10).isEmpty)

        // Writing a line again replaces it (a retried batch does not fail the job's log).
        try await store.appendLog(buildID: 7, jobID: "unit-tests", attempt: 1, lines: [LogLine(line: 3, at: Self.t0, stream: .stderr, text: "again")])
        #expect(try await store.log(buildID: 7, jobID: "unit-tests", attempt: 1, after: 2, limit: 1).map(\.text) == ["again"])
    }
}
