import Foundation
import Testing
import ShipdeckCore
@testable import ShipdeckApp
import TerminalUI

@Suite struct OverviewRenderingTests {
    @Test(arguments: [(80, 24), (120, 40), (200, 60)])
    func overviewShowsFourPanesAndStatusBar(width: Int, height: Int) {
        let (_, backend) = Fixtures.driver(width: width, height: height)
        let screen = backend.screen
        for title in ["1 Board (5)", "2 Pipelines (1)", "3 Fleet (3)", "4 Alerts (1)"] {
            #expect(screen.contains(title), "missing \(title) at \(width)x\(height):\n\(screen.lines.joined(separator: "\n"))")
        }
        let status = screen.line(0)
        #expect(status.hasPrefix(" Shipdeck  squad-a"))
        #expect(status.contains("env test"))
        #expect(status.contains("ana"))
        #expect(status.hasSuffix("12:00:00"))
        if width >= 100 { #expect(status.contains("on call: dingo ben · owl —")) }
        if width >= 120 { #expect(status.contains("in-process core")) }
        #expect(screen.line(height - 1).contains("Tab next pane"))
        #expect(screen.line(height - 2).hasPrefix("└") && screen.line(height - 2).hasSuffix("┘"))
    }

    @Test func exactOverviewAt80x24() {
        let (_, backend) = Fixtures.driver()
        #expect(Array(backend.screen.lines.prefix(6)) == [
            " Shipdeck  squad-a │ env test │ ana │ on call: ben │ in-process        12:00:00",
            "┌ 1 Board (5) ─────────────────────────┐┌ 2 Pipelines (1) ─────────────────────┐",
            "│Backlog (2)                           ││Build           State        Branch   │",
            "│  SHP-1   Retry budget                ││orders#7        ● passed     main     │",
            "│  SHP-2   Runbook                     ││                                      │",
            "│In Progress (2/1)                     ││                                      │",
        ])
    }

    @Test func narrowStatusBarDropsTheLeastImportantPartsFirst() {
        let (_, backend) = Fixtures.driver(width: 50, height: 24)
        #expect(backend.screen.line(0) == " Shipdeck  squad-a │ test │ ana          12:00:00")
    }

    @Test func wideBoardShowsColumnsSideBySide() {
        let (_, backend) = Fixtures.driver(width: 200, height: 60)
        let header = backend.screen.lines.first { $0.contains("Backlog (2)") }!
        #expect(header.contains("In Progress (2/1)") && header.contains("Done (1)"))
    }

    @Test func overWIPLimitColumnIsDrawnAsCritical() {
        let (_, backend) = Fixtures.driver(width: 200, height: 60)
        let screen = backend.screen
        let y = screen.lines.firstIndex { $0.contains("In Progress (2/1)") }!
        let x = Array(screen.line(y)).firstIndex(of: "I")!
        #expect(screen[x, y].style == Theme.fallback[.critical])
    }

    @Test func selectedCardIsHighlighted() {
        let (_, backend) = Fixtures.driver()
        let y = backend.screen.lines.firstIndex { $0.contains("SHP-1") }!
        #expect(backend.screen[5, y].style == Theme.fallback[.selection])
    }

    @Test func emptyPanesSayWhy() {
        var snapshot = Fixtures.snapshot()
        snapshot.alerts = []
        let (_, backend) = Fixtures.driver(snapshot: snapshot)
        #expect(backend.screen.contains("No open alerts — all quiet"))
    }

    @Test func asciiGlyphsDrawBoxesWithPlusAndMinus() {
        let (_, backend) = Fixtures.driver(glyphs: .ascii)
        #expect(backend.screen.line(1).hasPrefix("+ 1 Board (5) ---"))
        #expect(!backend.screen.lines.joined().contains("┌"))
    }

    @Test func tinyTerminalSaysSoInsteadOfCrashing() {
        let (_, backend) = Fixtures.driver(width: 10, height: 3)
        #expect(backend.screen.line(0) == "Terminal t")
    }

    @Test func clockTickChangesOnlyTheClockCells() {
        let (driver, _) = Fixtures.driver(width: 200, height: 60)
        driver.render()
        #expect(driver.terminal.lastWrittenCells == 0, "an unchanged model writes nothing")
        driver.dispatch(.tick(Fixtures.now.addingTimeInterval(1)))
        driver.render()
        #expect(driver.terminal.lastWrittenCells == 1)
    }
}
