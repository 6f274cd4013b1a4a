import Foundation
import Testing
@testable import ShipdeckCore

@Suite struct WorkspaceCoreTests {
    static let t0 = Date.utc("2024-01-10 12:00")  // a Wednesday, 13:00 in Berlin

    /// A core over the fixture config and an in-memory store holding two cards.
    static func core(environment: [String: String] = [:], clock: ManualClock = ManualClock(t0)) async throws -> WorkspaceCore {
        let store = try SQLiteStore.inMemory()
        for (id, column) in [("SHP-1", "Backlog"), ("SHP-2", "Review")] {
            try await store.upsertCard(Card(id: id, title: id, column: column, position: 0, createdAt: t0, updatedAt: t0),
                                       by: "ana", change: "created")
        }
        return try await WorkspaceCore.open(config: try Fixtures.config(), store: store, environment: environment, clock: clock)
    }

    @Test func openBuildsSnapshotFromConfigAndStore() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        try folder.write(Fixtures.valid, to: "shipdeck.yml")
        let core = try await WorkspaceCore.open(directory: folder.url, environment: ["SHIPDECK_USER": "ben", "SHIPDECK_ENV": "prod"],
                                                clock: ManualClock(Self.t0))
        let snapshot = await core.snapshot()
        #expect(snapshot.workspace.name == "Shipdeck")
        #expect(snapshot.workspace.currentEnvironment == "prod")
        #expect(snapshot.currentUser == Person(handle: "ben", name: "Ben Okafor", roles: ["prod"]))
        #expect(snapshot.board.columns.map(\.name) == BoardConfig.defaultColumns.map(\.name))
        #expect(snapshot.pipelines.map(\.pipelineFile) == ["services/orders/.buildkite/pipeline.yml", "services/payments/ci/pipeline.yml"])
        #expect(snapshot.fleet.map { "\($0.service)/\($0.environment):\($0.port)x\($0.desiredInstances)" }
                == ["orders/test:8100x1", "orders/prod:9100x2", "payments/test:8101x0", "payments/prod:9101x0"])
        #expect(snapshot.onCall.map(\.person) == ["ben", nil, "ana"])  // dingo: day 9 of [ana, ben]; owl: off at 13:00; squid
        #expect(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent(".shipdeck/state.sqlite").path))
        #expect(try await core.store.people().count == 3)
    }

    @Test func currentUserFallsBackToLoginName() async throws {
        var config = try Fixtures.config()
        config.user = nil
        let core = try await WorkspaceCore.open(config: config, store: try SQLiteStore.inMemory(), environment: ["USER": "eli"],
                                                clock: ManualClock(Self.t0))
        #expect(await core.snapshot().currentUser?.handle == "eli")
    }

    @Test func eventsStartWithSnapshotThenChangesInOrder() async throws {
        let core = try await Self.core()
        var events = await core.events().makeAsyncIterator()
        guard case .snapshot(let first)? = await events.next()?.change else { Issue.record("no snapshot first"); return }
        #expect(first.board.cardCount == 2)
        try await core.perform(.moveCard(id: "SHP-1", toColumn: "In Progress"), as: "ana")
        try await core.perform(.deleteCard(id: "SHP-2"), as: "ana")
        let moved = await events.next()
        let deleted = await events.next()
        guard case .cardUpdated(let card)? = moved?.change else { Issue.record("expected cardUpdated"); return }
        #expect(card.column == "In Progress")
        #expect(deleted?.change == .cardDeleted(id: "SHP-2", by: "ana"))
        #expect(moved!.sequence < deleted!.sequence)
        #expect(try await core.store.lastEventSequence() == deleted!.sequence)
        let board = await core.snapshot().board
        #expect(board.columns.first { $0.name == "In Progress" }?.cards.map(\.id) == ["SHP-1"])
        #expect(board.cardCount == 1)
    }

    @Test func moveCardWritesHistoryWithWhoAndWhen() async throws {
        let clock = ManualClock(Self.t0)
        let core = try await Self.core(clock: clock)
        clock.advance(by: 90)
        try await core.perform(.moveCard(id: "SHP-1", toColumn: "Review"), as: "ana")
        #expect(try await core.cardHistory(id: "SHP-1").last
                == CardHistoryEntry(cardID: "SHP-1", at: Self.t0.addingTimeInterval(90), who: "ana", change: "moved from Backlog to Review"))
    }

    @Test func unknownPersonIsRefusedWithASentence() async throws {
        let core = try await Self.core()
        do {
            try await core.perform(.moveCard(id: "SHP-1", toColumn: "Done"), as: "zed")
            Issue.record("expected a refusal")
        } catch let error as ShipdeckError {
            #expect(error.kind == .refused)
            #expect(error.message == "'zed' is not a member of this workspace, so Shipdeck will not act for them")
        }
    }

    @Test func deleteCardNeedsDevOrLeadRole() async throws {
        let core = try await Self.core()
        await #expect(throws: ShipdeckError(.refused, "ben cannot delete cards: that needs the dev or lead role", field: "person",
                                             hint: "ask someone with the dev or lead role, or add the role to ben under people: in shipdeck.yml")) {
            try await core.perform(.deleteCard(id: "SHP-1"), as: "ben")
        }
        #expect(await core.snapshot().board.cardCount == 2)
    }

    @Test func personWithoutAnyCardRoleCannotMoveCards() async throws {
        let core = try await Self.core()
        await #expect(throws: ShipdeckError.self) { try await core.perform(.moveCard(id: "SHP-1", toColumn: "Done"), as: "eli") }
    }

    @Test func movingToUnknownColumnSuggestsOne() async throws {
        let core = try await Self.core()
        await #expect(throws: ShipdeckError(.invalid, "there is no column 'Reveiw' on the board", field: "column", hint: "did you mean 'Review'?")) {
            try await core.perform(.moveCard(id: "SHP-1", toColumn: "Reveiw"), as: "ana")
        }
    }

    @Test func movingMissingCardIsNotFound() async throws {
        let core = try await Self.core()
        await #expect(throws: ShipdeckError.self) { try await core.perform(.moveCard(id: "SHP-99", toColumn: "Done"), as: "ana") }
    }

    @Test func refreshOnCallPublishesOnlyWhenASlotChanges() async throws {
        let clock = ManualClock(Self.t0)
        let core = try await Self.core(clock: clock)
        #expect(try await core.refreshOnCall() == false)
        let change = try #require(await core.nextOnCallChange())
        #expect(change == .utc("2024-01-10 17:00"))  // dingo's window closes and owl's opens at 18:00 Berlin
        clock.set(change)
        #expect(try await core.refreshOnCall() == true)
        #expect(await core.snapshot().onCall.map(\.person) == [nil, "ana", "ana"])
    }
}
