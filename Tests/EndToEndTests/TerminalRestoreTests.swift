import Foundation
import Testing

/// However shipdeck ends, the shell gets its terminal back in cooked mode (line editing and echo on).
/// The pane's wrapper prints `EXITED:<status>` and the `icanon`/`echo` modes after shipdeck is gone.
@Suite(.timeLimit(.minutes(1))) struct TerminalRestoreTests {
    static func openDemo(_ sandbox: Sandbox) async throws -> TmuxSession {
        let app = try TmuxSession(sandbox)
        try await app.waitUntil("the overview is drawn") { ScreenChecks.showsFourPanes($0) && ScreenChecks.hasStatusBar($0) }
        return app
    }

    /// Cooked mode is back, and the dashboard is gone from the screen (the alternate screen was left).
    static func expectRestored(_ app: TmuxSession, exitStatus: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let screen = try await app.waitFor("EXITED:\(exitStatus)", "STTY:", sourceLocation: sourceLocation)
        let modes = screen.components(separatedBy: "\n").filter { $0.hasPrefix("STTY:") }
        #expect(modes.contains("STTY:icanon"), "terminal left in raw mode: \(modes)\n\(screen)", sourceLocation: sourceLocation)
        #expect(modes.contains("STTY:echo"), "echo left off: \(modes)\n\(screen)", sourceLocation: sourceLocation)
        #expect(!screen.contains("1 Board"), "the dashboard is still on the screen:\n\(screen)", sourceLocation: sourceLocation)
    }

    @Test func qQuitsAndRestoresTheTerminal() async throws {
        let app = try await Self.openDemo(Sandbox())
        defer { app.close() }

        try app.press("q")
        try await Self.expectRestored(app, exitStatus: "0")
    }

    @Test("A signal quits and restores the terminal", arguments: [("TERM", SIGTERM), ("INT", SIGINT), ("HUP", SIGHUP)])
    func signalRestoresTheTerminal(name: String, signal: Int32) async throws {
        let app = try await Self.openDemo(Sandbox())
        defer { app.close() }

        try await app.send(signal: signal)
        // Exits like any program ended by that signal: 128 + its number (143, 130, 129).
        try await Self.expectRestored(app, exitStatus: "\(128 + signal)")
    }

    @Test func sigkillLosesNoSavedData() async throws {
        let sandbox = try Sandbox()
        do {
            let app = try await Self.openDemo(sandbox)
            defer { app.close() }
            try app.press("d")
            try await app.waitFor("Delete SHP-1?")
            try app.press("y")
            try await app.waitFor("1 Board (11)")

            try await app.send(signal: SIGKILL)
            try await app.waitFor("EXITED:137")
        }

        let again = try await Self.openDemo(sandbox)
        defer { again.close() }
        let screen = try await again.waitFor("1 Board (11)", "SHP-8 ", "SHP-12 ", "orders")
        #expect(!screen.contains("SHP-1 "))
    }
}
