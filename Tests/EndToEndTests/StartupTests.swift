import Foundation
import Testing

/// Opening the demo: a person sees the four panes and the status bar at any common terminal size.
@Suite(.timeLimit(.minutes(1))) struct StartupTests {
    @Test("The overview shows four panes and the status bar", arguments: [(80, 24), (200, 60)])
    func overviewShowsFourPanesAndStatusBar(width: Int, height: Int) async throws {
        let app = try TmuxSession(Sandbox(), width: width, height: height)
        defer { app.close() }

        let screen = try await app.waitUntil("the overview fits \(width)x\(height)") {
            ScreenChecks.overviewFits($0, width: width, height: height)
        }
        // The clock ticks, and the frame still fits after it.
        let first = ScreenChecks.clock(screen)
        try await app.waitUntil("the clock moved on from \(first ?? "?")", timeout: 4) {
            ScreenChecks.clock($0) != first && ScreenChecks.overviewFits($0, width: width, height: height)
        }
        for title in ScreenChecks.paneTitles { #expect(screen.contains(title)) }
        let statusBar = try #require(screen.components(separatedBy: "\n").first)
        #expect(statusBar.contains("Shipdeck Demo"))
        #expect(statusBar.contains("env test"))
        // The status bar drops "on call: …" whole when it does not fit (80 columns), keeping the
        // user's handle; a person on call needs it most. Known issue, reported; not fixed here.
        #expect(statusBar.contains("on call:"), "no 'on call:' in the status bar: \(statusBar)")
        #expect(ScreenChecks.matches(statusBar, #"\d\d:\d\d:\d\d"#))
    }
}
