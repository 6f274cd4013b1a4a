import Foundation
import Testing
@testable import ShipdeckCore

/// The board tied to delivery through a real core: commits linked by their messages, cards moved by
/// the fleet's deploys and rollbacks, Done guarded by hand, and the card commands' history.
@Suite struct BoardDeliveryTests {
    static let t0 = Date.utc("2026-12-01 10:00")

    /// A repository history handed to the board instead of `git log`.
    struct FakeCommitLog: CommitLog {
        /// Commits by build tip, newest first.
        let histories: [String: [CommitInfo]]
        func commits(repo: URL, upTo commit: String, limit: Int) throws -> [CommitInfo] { histories[commit] ?? [] }
    }

    static let c1 = CommitInfo(sha: "1111111111aa", author: "Ana", subject: "Start orders", message: "Start orders")
    static let c2 = CommitInfo(sha: "2222222222bb", author: "Ana", subject: "SHP-1: add retry budget", message: "SHP-1: add retry budget\n\nBody")
    static let c3 = CommitInfo(sha: "3333333333cc", author: "Ben", subject: "Tidy logs", message: "Tidy logs")

    static let c4 = CommitInfo(sha: "4444444444dd", author: "Ben", subject: "SHP-2 cache prices", message: "SHP-2 cache prices")

    static func core(clock: ManualClock) async throws -> WorkspaceCore {
        let store = try SQLiteStore.inMemory()
        let log = FakeCommitLog(histories: ["1111111111aa": [c1], "2222222222bb": [c2, c1], "3333333333cc": [c3, c2, c1],
                                            "4444444444dd": [c4, c1]])
        let core = try await WorkspaceCore.open(config: try Fixtures.config(), store: store, clock: clock,
                                                engines: .init(commitLog: log))
        await core.board.attach(core)
        try await core.perform(.addCard(title: "Add retry budget", services: [], labels: ["resilience"]), as: "ana")
        return core
    }

    static func build(_ number: Int, _ commit: String) -> BuildRecord {
        BuildRecord(id: Int64(number), service: "orders", number: number, commit: commit, branch: "main", message: "", state: .passed,
                    createdAt: t0, finishedAt: t0)
    }

    static func row(_ environment: String, build: Int?, healthy: Bool = true) -> FleetRow {
        let image = build.map { "orders:\($0)" }
        let instances = image.map { [InstanceRecord(id: "orders-\(environment)-1", state: healthy ? .healthy : .unhealthy, health: healthy ? .ok : .critical,
                                                    port: 9000, startedAt: t0, image: $0, group: 1, active: true)] } ?? []
        return FleetRow(service: "orders", environment: environment, port: 8100, desiredInstances: 1, image: image, instances: instances)
    }

    static func card(_ core: WorkspaceCore, _ id: String = "SHP-1") async throws -> Card {
        try #require(await core.snapshot().board.columns.flatMap(\.cards).first { $0.id == id })
    }

    @Test func aCommitTravelsFromBuildToTestToDoneAndBackOnRollback() async throws {
        let clock = ManualClock(Self.t0)
        let core = try await Self.core(clock: clock)
        await core.board.handle(.build(Self.build(1, "1111111111aa")))
        #expect(try await Self.card(core).commits.isEmpty)

        await core.board.handle(.build(Self.build(2, "2222222222bb")))
        var card = try await Self.card(core)
        #expect(card.commits.map(\.sha) == ["2222222222bb"])
        #expect(card.commits[0].builds == [2])
        #expect(card.services == ["orders"])
        #expect(card.column == "Backlog")

        // A later build contains the commit too.
        await core.board.handle(.build(Self.build(3, "3333333333cc")))
        #expect(try await Self.card(core).commits[0].builds == [2, 3])

        await core.board.handle(.fleet(Self.row("test", build: 1)))
        #expect(try await Self.card(core).column == "Backlog")
        await core.board.handle(.fleet(Self.row("test", build: 2)))
        card = try await Self.card(core)
        #expect(card.column == "In Test")
        #expect(card.commits[0].runsIn == ["test"])

        await core.board.handle(.fleet(Self.row("prod", build: 3)))
        #expect(try await Self.card(core).column == "In Test")
        clock.advance(by: 599)
        await core.board.handle(.tick)
        #expect(try await Self.card(core).column == "In Test")
        clock.advance(by: 1)
        await core.board.handle(.tick)
        card = try await Self.card(core)
        #expect(card.column == "Done")
        #expect(card.commits[0].runsIn == ["test", "prod"])

        // Rollback of prod to an image without the change.
        await core.board.handle(.fleet(Self.row("prod", build: 1)))
        card = try await Self.card(core)
        #expect(card.column == "In Test")
        #expect(card.flag?.hasPrefix("rolled back: prod runs orders:1") == true)

        let history = try await core.cardHistory(id: "SHP-1").map { "\($0.who): \($0.change)" }
        #expect(history == [
            "ana: created in Backlog",
            "board: linked orders commit 22222222 (built in orders#2)",
            "board: moved from Backlog to In Test: deployed to test in orders:2",
            "board: moved from In Test to Done: orders:3 ran healthy in prod for 10m",
            "board: moved back from Done to In Test: rolled back: prod runs orders:1, without orders 22222222",
        ])
    }

    @Test func aCardCreatedAfterItsCommitWasBuiltIsLinkedAtOnce() async throws {
        let clock = ManualClock(Self.t0)
        let core = try await Self.core(clock: clock)
        // orders#4 (mentioning SHP-2) is built and runs in test before anyone makes the card.
        var stored = Self.build(4, "4444444444dd")
        stored.id = 0  // a new row
        _ = try await core.store.saveBuild(stored)
        await core.board.handle(.build(Self.build(4, "4444444444dd")))
        await core.board.handle(.fleet(Self.row("test", build: 4)))

        try await core.perform(.addCard(title: "Cache prices", services: [], labels: []), as: "ana")
        await core.board.handle(.cardsAdded)
        let card = try await Self.card(core, "SHP-2")
        #expect(card.commits.map(\.sha) == ["4444444444dd"])
        #expect(card.commits.first?.builds == [4])
        #expect(card.column == "In Test", "its change already runs in test")
    }

    @Test func unhealthyProdHoldsTheCardOutOfDone() async throws {
        let clock = ManualClock(Self.t0)
        let core = try await Self.core(clock: clock)
        await core.board.handle(.build(Self.build(2, "2222222222bb")))
        await core.board.handle(.fleet(Self.row("prod", build: 2, healthy: false)))
        clock.advance(by: 3600)
        await core.board.handle(.tick)
        #expect(try await Self.card(core).column == "Backlog")
        await core.board.handle(.fleet(Self.row("prod", build: 2)))
        clock.advance(by: 600)
        await core.board.handle(.tick)
        #expect(try await Self.card(core).column == "Done")
    }

    @Test func doneByHandIsRefusedUntilTheChangeRunsInProdUnlessOverridden() async throws {
        let clock = ManualClock(Self.t0)
        let core = try await Self.core(clock: clock)
        await core.board.handle(.build(Self.build(2, "2222222222bb")))
        await #expect(throws: ShipdeckError.self) { try await core.perform(.moveCard(id: "SHP-1", toColumn: "Done"), as: "ana") }
        do {
            try await core.perform(.moveCard(id: "SHP-1", toColumn: "Done"), as: "ana")
        } catch let error as ShipdeckError {
            #expect(error.message == "SHP-1 cannot move to Done: its change is not running in prod (orders 22222222)")
        }
        #expect(try await Self.card(core).column == "Backlog")
        try await core.perform(.moveCard(id: "SHP-1", toColumn: "Done", override: true), as: "ana")
        #expect(try await Self.card(core).column == "Done")
        let last = try #require(try await core.cardHistory(id: "SHP-1").last)
        #expect(last.who == "ana")
        #expect(last.change == "moved to Done by hand although its change is not running in prod (override)")
        // A card without linked commits moves anywhere.
        try await core.perform(.addCard(title: "Write the runbook"), as: "ana")
        try await core.perform(.moveCard(id: "SHP-2", toColumn: "Done"), as: "ana")
        #expect(try await Self.card(core, "SHP-2").column == "Done")
    }

    @Test func cardCommandsEditReorderAssignWithHistory() async throws {
        let clock = ManualClock(Self.t0)
        let core = try await Self.core(clock: clock)
        #expect(try await core.perform(.addCard(title: "Second", column: "Backlog"), as: "ana").card == "SHP-2")
        #expect(try await core.perform(.addCard(title: "Third", column: "Backlog"), as: "ana").card == "SHP-3")
        #expect(try await core.perform(.reorderCard(id: "SHP-3", by: 0), as: "ana") == CommandOutcome())
        var backlog = await core.snapshot().board.columns[0].cards.map(\.id)
        #expect(backlog == ["SHP-1", "SHP-2", "SHP-3"])
        try await core.perform(.reorderCard(id: "SHP-3", by: -1), as: "ana")
        backlog = await core.snapshot().board.columns[0].cards.map(\.id)
        #expect(backlog == ["SHP-1", "SHP-3", "SHP-2"])

        try await core.perform(.editCard(id: "SHP-2", title: "Second, renamed — ü", description: "Why", services: ["orders"], labels: ["x", "x", " "],
                                         assignee: "ben"), as: "ana")
        let edited = try await Self.card(core, "SHP-2")
        #expect(edited.title == "Second, renamed — ü")
        #expect(edited.labels == ["x"])
        #expect(edited.assignee == "ben")
        try await core.perform(.assignCard(id: "SHP-2", to: "ana"), as: "ana")
        #expect(try await Self.card(core, "SHP-2").assignee == "ana")
        let history = try await core.cardHistory(id: "SHP-2").map(\.change)
        #expect(history == ["created in Backlog", "edited title, description, services, labels, assignee", "assigned to ana"])

        await #expect(throws: ShipdeckError.self) { try await core.perform(.addCard(title: "  "), as: "ana") }
        await #expect(throws: ShipdeckError.self) { try await core.perform(.editCard(id: "SHP-2", title: "x", description: "", services: ["nope"],
                                                                                     labels: [], assignee: nil), as: "ana") }
        await #expect(throws: ShipdeckError.self) { try await core.perform(.assignCard(id: "SHP-2", to: "zed"), as: "ana") }
    }

    @Test func exportAndImportRoundTripInJSONAndCSV() async throws {
        let clock = ManualClock(Self.t0)
        let core = try await Self.core(clock: clock)
        try await core.perform(.addCard(title: "Quote \"this\", please", description: "two\nlines", services: ["orders", "payments"],
                                        labels: ["a", "b"], assignee: "ben", column: "Review"), as: "ana")
        let board = await core.snapshot().board

        for format in [BoardExport.Format.json, .csv] {
            let text = try BoardExport.render(board, as: format)
            let cards = try BoardExport.parse(text, file: "board.\(format.rawValue)", format: nil)
            let other = try await WorkspaceCore.open(config: try Fixtures.config(), store: try SQLiteStore.inMemory(), clock: clock)
            try await other.perform(.importCards(cards: cards), as: "ana")
            let again = await other.snapshot().board
            #expect(again == board, "\(format) round trip")
            try await other.perform(.addCard(title: "After the import"), as: "ana")
            #expect(await other.snapshot().board.columns[0].cards.last?.id == "SHP-3", "numbers continue after imported ones")
        }
        let markdown = BoardExport.markdown(board)
        #expect(markdown.contains("## Review (1/3)"))
        #expect(markdown.contains("- **SHP-2** Quote \"this\", please @ben `a` `b` (orders, payments)"))
    }

    @Test func badImportsSayWhereAndChangeNothing() async throws {
        let clock = ManualClock(Self.t0)
        let core = try await Self.core(clock: clock)
        let csv = "id,title,column\r\nSHP-5,Fine,Backlog\r\nSHP-6,Broken,Nowhere\r\n"
        let cards = try BoardExport.parse(csv, file: "b.csv", format: nil)
        do {
            try await core.perform(.importCards(cards: cards), as: "ana")
            Issue.record("an unknown column must be refused")
        } catch let error as ShipdeckError {
            #expect(error.message == "cards[1] (SHP-6): there is no column 'Nowhere' on the board")
        }
        #expect(await core.snapshot().board.cardCount == 1, "nothing half-applied")

        #expect(throws: ShipdeckError.self) { try BoardExport.parse("id,title,column\nSHP-1,\"open,Backlog\n", file: "b.csv", format: nil) }
        do {
            _ = try BoardExport.parse("id,title,column\nSHP-1,a\"b,Backlog\n", file: "b.csv", format: nil)
        } catch let error as ShipdeckError {
            #expect(error.message == "b.csv:2:8: a quote inside an unquoted field")
        }
        do {
            _ = try BoardExport.parse(#"{"cards": [{"id": "SHP-1", "column": "Backlog"}]}"#, file: "b.json", format: nil)
        } catch let error as ShipdeckError {
            #expect(error.message == "b.json: cards[0].title is missing")
        }
    }
}
