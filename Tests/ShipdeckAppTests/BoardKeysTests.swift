import Foundation
import ShipdeckCore
@testable import ShipdeckApp
import TerminalUI

import Testing

/// The board's keys: the card form, moves between columns (Done guarded), reorder, assign, filter
/// qualifiers, WIP limits and the card's delivery detail, asserted on the rendered screen and the
/// commands sent to the core.
@Suite struct BoardKeysTests {
    @Test func newCardFormEditsTextWithCursorAndUTF8ThenSendsAddCard() throws {
        let (driver, backend) = Fixtures.driver(width: 120, height: 40)
        driver.type("n")
        #expect(backend.text.contains("New card in Backlog"))
        #expect(backend.text.contains("Title *"))
        driver.type("Retry budgt")
        driver.press(.left)
        driver.type("e")         // "Retry budget"
        driver.press(.end)
        driver.type(" für Zahlungen")
        _ = driver.handle(.paste(" — pasted\nline"))
        driver.render()
        driver.press(.tab)
        driver.type("Why it matters")
        driver.press(.tab)
        driver.type("orders, payments")
        driver.press(.tab)
        driver.type("resilience")
        driver.press(.tab)
        driver.type("@ben")
        #expect(backend.text.contains("Retry budget für Zahlungen — pasted line"))
        let effects = driver.press(.enter)
        #expect(effects == [.perform(.addCard(title: "Retry budget für Zahlungen — pasted line", description: "Why it matters",
                                              services: ["orders", "payments"], labels: ["resilience"], assignee: "ben", column: "Backlog"))])
        #expect(driver.model.mode == .normal)
    }

    @Test func aCardNeedsATitleAndEscapeCancels() {
        let (driver, backend) = Fixtures.driver(width: 120, height: 40)
        driver.type("n")
        #expect(driver.press(.enter).isEmpty)
        #expect(backend.text.contains("A card needs a title"))
        driver.press(.escape)
        #expect(driver.model.mode == .normal)
    }

    @Test func editOpensTheFormWithTheCardsFields() {
        let (driver, backend) = Fixtures.driver(width: 120, height: 40)
        driver.type("e")
        #expect(backend.text.contains("Edit SHP-1"))
        #expect(backend.text.contains("Retry budget"))
        driver.press(.end)
        driver.type("s")
        let effects = driver.press(.enter)
        #expect(effects == [.perform(.editCard(id: "SHP-1", title: "Retry budgets", description: "", services: ["orders"], labels: ["ops"], assignee: nil))])
    }

    @Test func shiftKeysMoveReorderAndAssign() {
        let (driver, _) = Fixtures.driver(width: 120, height: 40)
        #expect(driver.type("L") == [.perform(.moveCard(id: "SHP-1", toColumn: "In Progress"))])
        #expect(driver.type(">") == [.perform(.moveCard(id: "SHP-1", toColumn: "In Progress"))])
        #expect(driver.type("H").isEmpty, "already in the first column")
        #expect(driver.model.notice?.text == "SHP-1 is already in the first column")
        #expect(driver.type("J") == [.perform(.reorderCard(id: "SHP-1", by: 1))])
        #expect(driver.type("K") == [.perform(.reorderCard(id: "SHP-1", by: -1))])
        #expect(driver.type("m") == [.perform(.assignCard(id: "SHP-1", to: "ana"))])
    }

    @Test func movingToDoneWhileTheChangeIsNotInProdAsksAndRecordsTheOverride() {
        var snapshot = Fixtures.snapshot()
        snapshot.board.columns[1].cards[0].commits = [CardCommit(service: "orders", sha: "abc1234def00", subject: "SHP-3 keys", author: "Ana",
                                                                 builds: [7], runsIn: ["test"])]
        let (driver, backend) = Fixtures.driver(width: 120, height: 40, snapshot: snapshot)
        driver.type("l")    // SHP-3, In Progress
        #expect(driver.model.selectedCard == "SHP-3")
        #expect(driver.type("L").isEmpty)
        #expect(backend.text.contains("Move SHP-3 to Done anyway?"))
        #expect(backend.text.contains("orders abc1234d runs in test"))
        #expect(driver.type("y") == [.perform(.moveCard(id: "SHP-3", toColumn: "Done", override: true))])

        // Running in prod: no question.
        snapshot.board.columns[1].cards[0].commits[0].runsIn = ["test", "prod"]
        let (inProd, _) = Fixtures.driver(width: 120, height: 40, snapshot: snapshot)
        inProd.type("l")
        #expect(inProd.type("L") == [.perform(.moveCard(id: "SHP-3", toColumn: "Done"))])
    }

    @Test func filterQualifiersMatchAssigneeLabelAndService() {
        #expect(CardFilter("@ana").matches(Fixtures.card(3, "Idempotency keys", "In Progress", assignee: "ana")))
        #expect(!CardFilter("@ana").matches(Fixtures.card(1, "Retry budget", "Backlog")))
        #expect(CardFilter("label:op service:ord retry").matches(Fixtures.card(1, "Retry budget", "Backlog")))
        #expect(!CardFilter("label:bug").matches(Fixtures.card(1, "Retry budget", "Backlog")))
        #expect(CardFilter("für").matches(Fixtures.card(6, "Preise für alle", "Backlog")))
        #expect(CardFilter("ALLE pre").matches(Fixtures.card(6, "Preise für alle", "Backlog")))
        #expect(!CardFilter("füra").matches(Fixtures.card(6, "Preise für alle", "Backlog")))
        #expect(CardFilter.bytes(of: "abc", contain: "c") && !CardFilter.bytes(of: "ab", contain: "abc") && CardFilter.bytes(of: "aab", contain: "ab"))
        let (driver, backend) = Fixtures.driver(width: 120, height: 40)
        driver.type("/assignee:ana\n")
        #expect(backend.text.contains("SHP-3 Idempotency"))
        #expect(!backend.text.contains("Retry budget"))
    }

    @Test func overLimitColumnTitleShowsCountOverLimit() throws {
        let (driver, backend) = Fixtures.driver(width: 120, height: 40)
        #expect(backend.text.contains("In Progress (2/1)"))
        // Over its limit, the column's title is drawn in the theme's critical style; within it, as a header.
        let lines = backend.screen.lines
        let y = try #require(lines.firstIndex { $0.contains("In Progress (2/1)") })
        let over = try #require(lines[y].range(of: "In Progress (2/1)"))
        let x = lines[y].distance(from: lines[y].startIndex, to: over.lowerBound)
        #expect(backend.screen[x, y].style == driver.model.theme[.critical])
        let within = try #require(lines[y].range(of: "Backlog (2)"))
        #expect(backend.screen[lines[y].distance(from: lines[y].startIndex, to: within.lowerBound), y].style == driver.model.theme[.header])
        var column = BoardLayout.Column(name: "Review", wipLimit: 3, total: 2, cards: [])
        #expect(BoardLayout.title(column) == "Review (2/3)")
        column.total = 4
        #expect(BoardLayout.title(column) == "Review (4/3)")
    }

    @Test func detailShowsCommitsBuildsAndWhereTheyRun() {
        var snapshot = Fixtures.snapshot()
        snapshot.board.columns[0].cards[0].commits = [CardCommit(service: "orders", sha: "abc1234def00", subject: "SHP-1 retry budget", author: "Ana",
                                                                 builds: [7], runsIn: ["test"])]
        snapshot.board.columns[0].cards[0].flag = "rolled back: prod runs orders:6, without orders abc1234d"
        let (driver, backend) = Fixtures.driver(width: 120, height: 40, snapshot: snapshot)
        #expect(driver.press(.enter) == [.loadCardHistory(id: "SHP-1")])
        _ = driver.dispatch(.cardHistoryLoaded(id: "SHP-1", history: [
            CardHistoryEntry(cardID: "SHP-1", at: Fixtures.now.addingTimeInterval(-600), who: "ana", change: "created in Backlog"),
            CardHistoryEntry(cardID: "SHP-1", at: Fixtures.now.addingTimeInterval(-120), who: "board", change: "linked orders commit abc1234d (built in orders#7)"),
        ]))
        driver.render()
        #expect(backend.text.contains("History (newest first)"))
        #expect(backend.text.contains("2m ago   board  linked orders commit abc1234d (built in orders#7)"))
        #expect(backend.text.contains("Delivery:  runs in test"))
        #expect(backend.text.contains("orders abc1234d SHP-1 retry budget — Ana"))
        #expect(backend.text.contains("builds #7 passed  ·  test: yes  prod: not yet"))
        #expect(backend.text.contains("Flagged:   rolled back: prod runs orders:6"))
        driver.press(.escape)
        #expect(backend.text.contains("\(Glyphs.unicode.warning) SHP-1 Retry"))
    }
}

extension MemoryBackend {
    /// The screen as plain lines, so a failed expectation prints readable text.
    var text: String { screen.lines.joined(separator: "\n") }
}
