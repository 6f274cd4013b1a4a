import Foundation
import Testing

/// Moving around the dashboard with the keyboard, as a person would.
@Suite(.timeLimit(.minutes(1))) struct NavigationTests {
    /// Opens the demo at 120x40 and waits for the first full frame.
    static func openDemo(width: Int = 120, height: Int = 40) async throws -> TmuxSession {
        let app = try TmuxSession(Sandbox(), width: width, height: height)
        try await app.waitUntil("the overview is drawn") { ScreenChecks.showsFourPanes($0) && ScreenChecks.hasStatusBar($0) }
        return app
    }

    @Test func numberKeyTogglesFullScreenPane() async throws {
        let app = try await Self.openDemo()
        defer { app.close() }

        try app.press("2")
        try await app.waitFor("2 Pipelines", "Build", "State", "No builds yet")
        try await app.waitForGone("1 Board", "3 Fleet", "4 Alerts")

        try app.press("2")
        try await app.waitUntil("the overview is back") { ScreenChecks.showsFourPanes($0) }
    }

    @Test func tabCyclesFocusThroughThePanes() async throws {
        let app = try await Self.openDemo()
        defer { app.close() }
        // The board has focus: its delete key is in the footer and Enter opens a card.
        try await app.waitFor("d delete")

        // Pipelines has focus: its build key is in the footer (no builds yet, so nothing to open).
        try app.press("Tab")
        try await app.waitForGone("d delete")
        try await app.waitFor("b build")

        try app.press("Tab")
        try app.press("Enter")
        try await app.waitFor("Endpoint:", "serving", "Deploys")
        try app.press("Escape")
        try await app.waitForGone("Endpoint:")

        try app.press("Tab", "Tab")
        try await app.waitFor("d delete")
        try app.press("Enter")
        try await app.waitFor("Column:")
    }

    @Test func questionMarkOpensHelpAndEscapeClosesIt() async throws {
        let app = try await Self.openDemo()
        defer { app.close() }

        try app.press("?")
        try await app.waitFor("Help", "Next pane", "Command palette")
        try app.press("Escape")
        try await app.waitForGone("Help", "Command palette")
        try await app.waitUntil("the overview is back") { ScreenChecks.showsFourPanes($0) }
    }

    @Test func slashFiltersTheBoardAndEscapeClears() async throws {
        let app = try await Self.openDemo()
        defer { app.close() }
        try await app.waitFor("SHP-1 ", "SHP-8 ")

        try app.press("/")
        try app.type("SHP-3")
        try await app.waitFor("SHP-3 ", "idempotency keys")
        try await app.waitForGone("SHP-1 ", "SHP-8 ", "SHP-2 ")
        try app.press("Enter")
        let filtered = try await app.waitUntil("the board's title shows the filter") {
            $0.components(separatedBy: "\n").dropFirst().first?.contains("/SHP-3") == true
        }
        #expect(!filtered.contains("SHP-1 "))

        try app.press("Escape")
        try await app.waitFor("SHP-1 ", "SHP-8 ", "SHP-3 ")
        try await app.waitForGone("/SHP-3")
    }

    @Test func paletteCommandOpensFleetFullScreen() async throws {
        let app = try await Self.openDemo()
        defer { app.close() }

        try app.press(":")
        try app.type("fleet")
        try await app.waitFor(":fleet")
        try app.press("Enter")
        try await app.waitFor("3 Fleet", "notifications")
        try await app.waitForGone("1 Board", "2 Pipelines", "4 Alerts", ":fleet")
    }

    /// At 120 columns the board is one list grouped by column:
    /// Backlog SHP-1, SHP-8, SHP-10 … Done SHP-7, SHP-12.
    @Test func jkGgMoveTheSelection() async throws {
        let app = try await Self.openDemo()
        defer { app.close() }

        func expectSelected(_ card: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            try app.press("Enter")
            try await app.waitFor("\(card) —", "Column:", sourceLocation: sourceLocation)
            try app.press("Escape")
            try await app.waitForGone("Column:", sourceLocation: sourceLocation)
        }
        try await expectSelected("SHP-1")
        try app.press("j")
        try await expectSelected("SHP-8")
        try app.press("j")
        try await expectSelected("SHP-10")
        try app.press("G")
        try await expectSelected("SHP-12")
        try app.press("k")
        try await expectSelected("SHP-7")
        try app.press("g")
        try await expectSelected("SHP-1")
    }

    @Test func enterOpensCardDetailAndEscapeCloses() async throws {
        let app = try await Self.openDemo()
        defer { app.close() }

        try app.press("Enter")
        try await app.waitFor("SHP-1 — Add retry budget to payment capture", "Column:    Backlog", "Labels:    reliability")
        try app.press("Escape")
        try await app.waitForGone("Column:")
        try await app.waitUntil("the overview is back") { ScreenChecks.showsFourPanes($0) }
    }
}
