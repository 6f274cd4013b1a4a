import Foundation
import Testing
import ShipdeckCore
@testable import ShipdeckApp
import TerminalUI

@Suite struct KeyFlowTests {
    @Test func numberKeyOpensPaneFullScreenAndAgainReturns() {
        let (driver, backend) = Fixtures.driver()
        driver.type("2")
        #expect(driver.model.zoomed && driver.model.focus == .pipelines)
        #expect(backend.screen.contains("2 Pipelines (1)"))
        #expect(!backend.screen.contains("1 Board"))
        driver.type("2")
        #expect(!driver.model.zoomed)
        #expect(backend.screen.contains("1 Board") && backend.screen.contains("4 Alerts"))
    }

    @Test func tabAndShiftTabCycleFocus() {
        let (driver, _) = Fixtures.driver()
        driver.press(.tab, .tab)
        #expect(driver.model.focus == .fleet)
        driver.press(.backTab, .backTab, .backTab)
        #expect(driver.model.focus == .alerts)
    }

    @Test func hjklMovesBetweenPanesAndRows() {
        let (driver, _) = Fixtures.driver()
        driver.type("3")
        driver.type("3")
        #expect(driver.model.focus == .fleet)
        driver.type("jj")
        #expect(driver.model.selection[.fleet] == 2)
        driver.type("j")
        #expect(driver.model.selection[.fleet] == 2, "selection stops at the last row")
        driver.type("g")
        #expect(driver.model.selection[.fleet] == 0)
        driver.type("G")
        #expect(driver.model.selection[.fleet] == 2)
        driver.type("l")
        #expect(driver.model.focus == .alerts)
        driver.type("h")
        #expect(driver.model.focus == .fleet)
    }

    @Test func boardSelectionWalksCardsAndColumns() {
        let (driver, _) = Fixtures.driver(width: 200, height: 60)
        #expect(driver.model.selectedCard == "SHP-1")
        driver.type("j")
        #expect(driver.model.selectedCard == "SHP-2")
        driver.type("l")
        #expect(driver.model.selectedCard == "SHP-4", "same row in the next column")
        driver.type("l")
        #expect(driver.model.selectedCard == "SHP-5")
        driver.type("h")
        driver.type("G")
        #expect(driver.model.selectedCard == "SHP-4")
    }

    @Test func filterNarrowsTheFocusedListLiveAndEscClears() {
        let (driver, backend) = Fixtures.driver()
        driver.type("/SHP-3")
        #expect(backend.screen.contains("/SHP-3"), "the filter is typed in the footer")
        #expect(backend.screen.contains("Idempotency keys"))
        #expect(!backend.screen.contains("Retry budget"))
        driver.press(.enter)
        #expect(driver.model.filters[.board] == "SHP-3")
        #expect(!backend.screen.contains("Retry budget"))
        driver.press(.escape)
        #expect(driver.model.filters[.board] == nil)
        #expect(backend.screen.contains("Retry budget"))
    }

    @Test func listFilterIgnoresCaseAndSeesRowsThatArriveWhileItIsOn() {
        let (driver, _) = Fixtures.driver()
        driver.type("3/PAYM\n")
        #expect(driver.model.filters[.fleet] == "PAYM")
        #expect(PaneRows.visibleCount(.fleet, model: driver.model) == 1)
        // A new environment of payments is deployed: the filter's texts are made again for it.
        let row = FleetRow(service: "payments", environment: "prod", port: 9101, desiredInstances: 1, image: nil, instances: [])
        driver.dispatch(.core(CoreEvent(sequence: 100, at: Fixtures.now, change: .fleetUpdated(row: row))))
        #expect(PaneRows.visibleCount(.fleet, model: driver.model) == 2)
        #expect(PaneRows.visible(.fleet, model: driver.model).map(\.id) == ["payments/test", "payments/prod"])
    }

    @Test func filterWithNoMatchSaysSo() {
        let (driver, backend) = Fixtures.driver()
        driver.type("3/zzz\n")
        #expect(backend.screen.contains("Nothing matches 'zzz'"))
    }

    @Test func paletteCompletesAndRunsCommands() {
        let (driver, backend) = Fixtures.driver()
        driver.type(":fl")
        #expect(backend.screen.contains("Commands"))
        #expect(backend.screen.contains("fleet"))
        driver.press(.tab)
        guard case .palette(let field, _) = driver.model.mode else { Issue.record("palette closed"); return }
        #expect(field.text == "fleet")
        driver.press(.enter)
        #expect(driver.model.zoomed && driver.model.focus == .fleet)
        driver.type(":a\n")
        #expect(driver.model.focus == .alerts, "aliases resolve")
        driver.type(":nonsense\n")
        #expect(backend.screen.contains("Unknown command 'nonsense'"))
    }

    @Test func paletteThemeCommandCompletesThemeNamesAndAsksToLoad() {
        let (driver, _) = Fixtures.driver()
        driver.type(":theme dr")
        driver.press(.tab)
        guard case .palette(let field, _) = driver.model.mode else { Issue.record("palette closed"); return }
        #expect(field.text == "theme dracula")
        let effects = driver.press(.enter)
        #expect(effects == [.loadTheme("dracula")])
    }

    @Test func helpOverlayListsEveryBindingFromTheKeymap() {
        let (driver, backend) = Fixtures.driver(width: 120, height: 80)
        driver.type("?")
        for (_, bindings) in Keymap.sections {
            for binding in bindings {
                #expect(backend.screen.contains(binding.help), "help lacks '\(binding.help)'")
            }
        }
        driver.press(.escape)
        #expect(driver.model.mode == .normal)
        #expect(!backend.screen.contains("Help — Esc closes"))
    }

    @Test func enterOpensDetailAndEscCloses() {
        let (driver, backend) = Fixtures.driver()
        driver.press(.enter)
        #expect(backend.screen.contains("SHP-1 — Retry budget"))
        #expect(backend.screen.contains("Column:    Backlog"))
        driver.type("j")
        #expect(backend.screen.contains("SHP-2 — Runbook"), "moving while the detail is open shows the next item")
        driver.press(.escape)
        #expect(!backend.screen.contains("Column:"))
    }

    @Test func deleteAsksFirstAndCancelDoesNothing() {
        let (driver, backend) = Fixtures.driver()
        var effects = driver.type("d")
        #expect(effects.isEmpty)
        #expect(backend.screen.contains("Delete SHP-1?"))
        effects = driver.press(.enter)
        #expect(effects.isEmpty, "Cancel is selected first")
        effects = driver.type("dn")
        #expect(effects.isEmpty)
        effects = driver.type("dy")
        #expect(effects == [.perform(.deleteCard(id: "SHP-1"))])
    }

    @Test func readingKeysNeverAsk() {
        let (driver, _) = Fixtures.driver()
        for key in "jkghl1234" {
            driver.type(String(key))
            #expect(driver.model.mode == .normal || driver.model.mode == .detail)
        }
    }

    @Test func quitAsksOnlyWhileADeployRuns() {
        let (idle, _) = Fixtures.driver()
        idle.type("q")
        #expect(idle.model.quit)
        let (busy, backend) = Fixtures.driver(snapshot: Fixtures.snapshot(runningDeploys: ["orders → prod"]))
        busy.type("q")
        #expect(!busy.model.quit)
        #expect(backend.screen.contains("Quit while deploying?"))
        busy.type("y")
        #expect(busy.model.quit)
    }

    @Test func mouseClickSelectsRowAndFocusesPane() {
        let (driver, backend) = Fixtures.driver()
        let y = backend.screen.lines.firstIndex { $0.contains("payments      test") }!
        driver.handle(.mouse(MouseEvent(button: .left, x: 5, y: y)))
        #expect(driver.model.focus == .fleet)
        #expect(driver.model.selection[.fleet] == 2)
        driver.handle(.mouse(MouseEvent(button: .wheelUp, x: 5, y: y)))
        #expect(driver.model.selection[.fleet] == 0)
    }

    @Test func resizeRedrawsWholeScreenAtNewSize() {
        let (driver, backend) = Fixtures.driver()
        backend.resize(to: Size(width: 120, height: 40))
        driver.handle(.resize(Size(width: 120, height: 40)))
        driver.render()
        #expect(backend.screen.size == Size(width: 120, height: 40))
        #expect(backend.screen.line(38).hasPrefix("└") && backend.screen.line(38).hasSuffix("┘"))
        #expect(backend.screen.line(0).hasSuffix("12:00:00"))
    }

    @Test func coreEventsUpdateTheScreen() {
        let (driver, backend) = Fixtures.driver()
        var moved = Fixtures.card(1, "Retry budget", "Done")
        moved.position = 0
        driver.dispatch(.core(CoreEvent(sequence: 2, at: Fixtures.now, change: .cardUpdated(card: moved))))
        driver.dispatch(.core(CoreEvent(sequence: 3, at: Fixtures.now, change: .cardDeleted(id: "SHP-2", by: "ben"))))
        driver.render()
        #expect(!backend.screen.contains("Runbook"))
        let done = backend.screen.lines.firstIndex { $0.contains("Done (") }!
        #expect(backend.screen.lines[(done + 1)...].contains { $0.contains("Retry budget") })
    }

    @Test func failedCommandShowsTheCoreSentence() {
        let (driver, backend) = Fixtures.driver()
        driver.dispatch(.commandFailed("refused: ana may not delete cards (ask a lead)"))
        driver.render()
        #expect(backend.screen.line(23).contains("refused: ana may not delete cards"))
        driver.type("j")
        #expect(!backend.screen.line(23).contains("refused"), "the notice goes on the next key")
    }

    @Test func keybindingsDocIsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = root.appendingPathComponent("docs/keybindings.md")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text == KeybindingsDoc.markdown(), "docs/keybindings.md is stale: run `swift run shipdeck keybindings > docs/keybindings.md`")
    }
}

@Suite struct LogViewTests {
    static func lines(_ range: ClosedRange<Int>) -> [LogLine] {
        range.map { LogLine(line: $0, at: Fixtures.now, stream: .stdout, text: "line \($0)") }
    }

    @Test func aFullPageOfLogFetchesTheNextPageAndFollowKeepsTheEndInView() {
        let (driver, backend) = Fixtures.driver(width: 100, height: 30)
        driver.dispatch(.focus(.pipelines))
        driver.dispatch(.openDetail)
        var effects = driver.press(.enter)
        #expect(effects == [.loadLog(service: "orders", number: 7, job: "lint", attempt: 1, after: 0)])
        guard case .log = driver.model.mode else { Issue.record("the log view did not open"); return }
        effects = driver.dispatch(.logLoaded(service: "orders", number: 7, job: "lint", lines: Self.lines(1...LogViewState.pageSize)))
        #expect(effects == [.loadLog(service: "orders", number: 7, job: "lint", attempt: 1, after: LogViewState.pageSize)])
        effects = driver.dispatch(.logLoaded(service: "orders", number: 7, job: "lint", lines: Self.lines((LogViewState.pageSize + 1)...(LogViewState.pageSize + 10))))
        #expect(effects.isEmpty, "a short page is the end")
        driver.render()
        #expect(backend.screen.contains("line \(LogViewState.pageSize + 10)"), "following shows the newest line")
        driver.type("g")
        driver.render()
        #expect(backend.screen.contains("line 1 "))
        driver.type("/line 4000\n")
        driver.render()
        #expect(backend.screen.contains("line 4000"))
    }
}
