import Foundation
import Testing
@testable import ShipdeckCore

/// The board's automatic moves as a pure function of a card and what runs where.
@Suite struct BoardRulesTests {
    static let t0 = Date.utc("2026-12-01 10:00")
    let rules = BoardRules(board: BoardConfig(doneAfter: 600), environments: EnvironmentConfig.defaults)

    func card(_ column: String, builds: [Int] = [3], inProdSince: Date? = nil) -> Card {
        Card(id: "SHP-7", title: "Retry budget", column: column, position: 0, createdAt: Self.t0, updatedAt: Self.t0,
             commits: [CardCommit(service: "orders", sha: "a1b2c3d4e5f6", subject: "SHP-7: retry budget", author: "Ana", builds: builds)],
             inProdSince: inProdSince)
    }

    func fleet(test: Int?, prod: Int?, prodHealthySince: Date? = t0) -> (String, String) -> DeliveredService? {
        { service, environment in
            guard service == "orders" else { return nil }
            let build = environment == "test" ? test : prod
            return DeliveredService(image: build.map { "orders:\($0)" }, build: build,
                                    healthySince: environment == "prod" ? prodHealthySince : Self.t0)
        }
    }

    @Test func cardMovesToInTestOnceTestRunsABuildContainingItsCommit() throws {
        let change = try #require(rules.apply(to: card("Review"), fleet: fleet(test: 3, prod: nil), now: Self.t0))
        #expect(change.card.column == "In Test")
        #expect(change.card.commits[0].runsIn == ["test"])
        #expect(change.change == "moved from Review to In Test: deployed to test in orders:3")
    }

    @Test func anOlderImageInTestDoesNotMoveTheCard() {
        #expect(rules.apply(to: card("Review"), fleet: fleet(test: 2, prod: nil), now: Self.t0) == nil)
    }

    @Test func theTestMoveNeverTakesACardBackwards() throws {
        let done = card("Done")
        let change = rules.apply(to: done, fleet: fleet(test: 3, prod: nil), now: Self.t0)
        #expect(change?.card.column ?? "Done" == "Done")
    }

    @Test func doneOnlyAfterRunningHealthyInProdForDoneAfter() throws {
        let first = try #require(rules.apply(to: card("In Test"), fleet: fleet(test: 3, prod: 3), now: Self.t0))
        #expect(first.card.column == "In Test")
        #expect(first.card.inProdSince == Self.t0)
        #expect(first.change == nil)
        #expect(rules.doneDue(for: first.card, fleet: fleet(test: 3, prod: 3)) == Self.t0.addingTimeInterval(600))

        #expect(rules.apply(to: first.card, fleet: fleet(test: 3, prod: 3), now: Self.t0.addingTimeInterval(599)) == nil)
        let done = try #require(rules.apply(to: first.card, fleet: fleet(test: 3, prod: 3), now: Self.t0.addingTimeInterval(600)))
        #expect(done.card.column == "Done")
        #expect(done.change == "moved from In Test to Done: orders:3 ran healthy in prod for 10m")
    }

    @Test func anUnhealthySpellRestartsTheWaitForDone() throws {
        let inProd = card("In Test", inProdSince: Self.t0)
        // Unhealthy now: not Done, however long it has run.
        #expect(rules.apply(to: inProd, fleet: fleet(test: 3, prod: 3, prodHealthySince: nil), now: Self.t0.addingTimeInterval(900))?.card.column != "Done")
        // Healthy again since t0+800: Done only at t0+1400.
        let healthyAgain = fleet(test: 3, prod: 3, prodHealthySince: Self.t0.addingTimeInterval(800))
        #expect(rules.apply(to: inProd, fleet: healthyAgain, now: Self.t0.addingTimeInterval(1399))?.card.column != "Done")
        #expect(rules.apply(to: inProd, fleet: healthyAgain, now: Self.t0.addingTimeInterval(1400))?.card.column == "Done")
    }

    @Test func aRollbackOutOfProdMovesADoneCardBackAndFlagsIt() throws {
        let done = card("Done", inProdSince: Self.t0)
        let change = try #require(rules.apply(to: done, fleet: fleet(test: 3, prod: 2), now: Self.t0.addingTimeInterval(700)))
        #expect(change.card.column == "In Test")
        #expect(change.card.inProdSince == nil)
        #expect(change.card.flag == "rolled back: prod runs orders:2, without orders a1b2c3d4")
        #expect(change.change == "moved back from Done to In Test: rolled back: prod runs orders:2, without orders a1b2c3d4")

        // Neither environment runs it: back to Ready to Ship.
        let gone = try #require(rules.apply(to: done, fleet: fleet(test: 2, prod: 2), now: Self.t0))
        #expect(gone.card.column == "Ready to Ship")
    }

    @Test func aProdWithoutAnyImageYetIsNotARollback() {
        // A restarted core's first rows, before it adopted its instances, carry no image.
        let done = card("Done", inProdSince: Self.t0)
        #expect(rules.apply(to: done, fleet: fleet(test: 3, prod: nil), now: Self.t0)?.card.column ?? "Done" == "Done")
    }

    @Test func aCardMovedToDoneByHandIsNotBouncedBack() {
        // Done by override: it never ran in prod, so nothing was rolled back.
        let change = rules.apply(to: card("Done"), fleet: fleet(test: 3, prod: 2), now: Self.t0)
        #expect(change?.card.column ?? "Done" == "Done")
        #expect(change?.card.flag == nil)
    }

    @Test func cardsWithoutLinkedCommitsAreLeftAlone() {
        var plain = card("Backlog")
        plain.commits = []
        #expect(rules.apply(to: plain, fleet: fleet(test: 3, prod: 3), now: Self.t0) == nil)
    }

    @Test func mentionsAreFoundByPrefixWithoutPartsOfWords() {
        #expect(CardMentions.ids(in: "SHP-12: fix retries (see shp-3, [SHP-4])", prefix: "SHP") == ["SHP-12", "SHP-3", "SHP-4"])
        #expect(CardMentions.ids(in: "XSHP-1 SHP-2x SHP- SHP-0005 SHP-5", prefix: "SHP") == ["SHP-5"])
        #expect(CardMentions.ids(in: "WASHP-9 and SHP-9.", prefix: "SHP") == ["SHP-9"])
        #expect(CardMentions.ids(in: "no card here", prefix: "SHP").isEmpty)
    }

    @Test func columnRolesDefaultByNameAndFollowTheColumns() {
        let custom = BoardConfig(columns: [.init(name: "Todo"), .init(name: "Doing"), .init(name: "Staging"), .init(name: "Live")])
        #expect(custom.doneColumn == "Live")
        #expect(custom.testColumn == "Staging")
        #expect(custom.shipColumn == "Doing")
        #expect(BoardConfig().testColumn == "In Test")
        #expect(BoardConfig().shipColumn == "Ready to Ship")
    }
}
