import Foundation
import Testing

/// One core per workspace: `shipdeck serve` runs it headless, dashboards attach to it, acting CLI
/// commands go through its API, and attached dashboards ride out a core restart without losing
/// their place. Every process here is its own tmux server (the harness), closed even on failure.
@Suite(.timeLimit(.minutes(1))) struct AttachedDashboardsTests {
    /// `serve` in one terminal, two dashboards in two others: both attach, a second `serve` is
    /// refused, a delete in A and a CLI move show in both.
    @Test func twoDashboardsShareOneServedCore() async throws {
        let sandbox = try Sandbox()
        try sandbox.createDemo()
        let core = try await ServedCore(sandbox)
        defer { core.close() }

        let a = try await AttachedDashboards.open(sandbox)
        defer { a.close() }
        let b = try await AttachedDashboards.open(sandbox)
        defer { b.close() }
        try await AttachedDashboards.waitAttached(a, to: core.pid)
        try await AttachedDashboards.waitAttached(b, to: core.pid)

        // A second core for the same workspace is refused, naming the running one.
        let second = try ShipdeckBinary.run(["serve", "--workspace", sandbox.demo.path], in: sandbox.work, environment: sandbox.environment)
        #expect(second.status != 0, "a second serve started: \(second.stderr)")
        #expect(second.stderr.contains("a core already runs for \(sandbox.demo.path)"), "stderr: \(second.stderr)")
        #expect(second.stderr.contains("shipdeck serve (pid \(core.pid)"), "stderr: \(second.stderr)")
        #expect(try core.isRunning(), "the first core stopped when a second serve was refused")

        // A deletes the selected card, SHP-1; B sees it within a second of A.
        try await a.waitFor("1 Board (12)", "SHP-1 ")
        try await b.waitFor("1 Board (12)", "SHP-1 ")
        try a.press("d")
        try await a.waitFor("Delete SHP-1?")
        try a.press("y")
        try await a.waitFor("1 Board (11)")
        try await b.waitFor("1 Board (11)", timeout: 1)
        try await b.waitForGone("SHP-1 ", "Add retry budget")

        // A person at another terminal moves a card with the CLI: both dashboards show it.
        try AttachedDashboards.cli(["card", "move", "SHP-2", "Done"], sandbox)
        for dashboard in [a, b] {
            try await dashboard.waitFor("Done (3)", "In Progress (1/4)")
        }
        try await AttachedDashboards.waitAttached(a, to: core.pid)
        try await AttachedDashboards.waitAttached(b, to: core.pid)
    }

    /// B works in Fleet with a filter; the core dies (SIGTERM, or SIGKILL with no chance to clean
    /// up); both dashboards say so and recover by themselves when `serve` starts again, B still in
    /// Fleet with its filter and selection, and both see the next CLI action.
    @Test(arguments: [SIGTERM, SIGKILL])
    func dashboardsRideOutACoreRestart(signal: Int32) async throws {
        let sandbox = try Sandbox()
        try sandbox.createDemo()
        var core = try await ServedCore(sandbox)
        defer { core.close() }
        let firstPID = core.pid

        let a = try await AttachedDashboards.open(sandbox)
        defer { a.close() }
        let b = try await AttachedDashboards.open(sandbox)
        defer { b.close() }
        try await AttachedDashboards.waitAttached(a, to: firstPID)
        try await AttachedDashboards.waitAttached(b, to: firstPID)

        // B: focus Fleet (Tab twice), filter to prod, select the second row (payments).
        try b.press("Tab", "Tab")
        try await b.waitForGone("d delete")
        try b.press("/")
        try b.type("prod")
        try b.press("Enter")
        try await AttachedDashboards.waitFleetFilteredToProd(b)
        try b.press("j")
        try await AttachedDashboards.expectFleetSelection(b, "payments in prod")

        // The core goes away.
        try await core.session.send(signal: signal)
        try await core.session.waitFor("EXITED:")
        for dashboard in [a, b] {
            try await dashboard.waitUntil("the status bar says the core is disconnected") {
                AttachedDashboards.statusBar($0).contains("core disconnected")
            }
        }

        // And comes back: both reconnect by themselves to the new core.
        core.close()
        core = try await ServedCore(sandbox)
        #expect(core.pid != firstPID)
        for dashboard in [a, b] {
            try await AttachedDashboards.waitAttached(dashboard, to: core.pid, timeout: 15)
        }

        // B kept its place: Fleet focused, filtered to prod, payments selected.
        try await AttachedDashboards.waitFleetFilteredToProd(b)
        try await AttachedDashboards.expectFleetSelection(b, "payments in prod")

        // The next CLI action reaches both.
        try AttachedDashboards.cli(["card", "move", "SHP-3", "Done"], sandbox)
        for dashboard in [a, b] {
            try await dashboard.waitFor("Done (3)", "Review (0/3)")
        }
        try await AttachedDashboards.waitFleetFilteredToProd(b)
    }

    /// No `serve`: the first dashboard runs the core itself ("own core") and the next one attaches
    /// to it; a CLI move reaches both.
    @Test func secondDashboardAttachesToTheFirstsOwnCore() async throws {
        let sandbox = try Sandbox()
        try sandbox.createDemo()

        let owner = try await AttachedDashboards.open(sandbox)
        defer { owner.close() }
        try await owner.waitUntil("the status bar says 'own core'") { AttachedDashboards.statusBar($0).contains("own core") }
        let ownerPID = try await owner.shipdeckPID()

        let attached = try await AttachedDashboards.open(sandbox)
        defer { attached.close() }
        try await AttachedDashboards.waitAttached(attached, to: ownerPID)
        #expect(AttachedDashboards.statusBar(try owner.screen()).contains("own core"))

        try AttachedDashboards.cli(["card", "move", "SHP-2", "Done"], sandbox)
        for dashboard in [owner, attached] {
            try await dashboard.waitFor("Done (3)", "In Progress (1/4)")
        }
    }
}

/// `shipdeck serve --workspace DEMO` in a terminal of its own, as a person would leave it running.
/// `close()` kills it (SIGKILL if still alive) and its tmux server.
private final class ServedCore {
    let session: TmuxSession
    let pid: pid_t

    init(_ sandbox: Sandbox) async throws {
        session = try TmuxSession(sandbox, width: 160, height: 12, arguments: ["serve", "--workspace", sandbox.demo.path])
        do {
            pid = try await session.shipdeckPID()
            try await session.waitFor("listening on http://")
        } catch {
            session.close()
            throw error
        }
    }

    deinit { close() }

    func isRunning() throws -> Bool {
        try !session.screen().contains("EXITED:") && kill(pid, 0) == 0
    }

    /// Safe to call twice.
    func close() {
        if (try? session.screen().contains("EXITED:")) == false { kill(pid, SIGKILL) }
        session.close()
    }
}

/// Dashboards on the sandbox's demo workspace, and what a person reads off them.
private enum AttachedDashboards {
    /// `shipdeck --workspace DEMO` at 120x40, once the overview is drawn.
    static func open(_ sandbox: Sandbox) async throws -> TmuxSession {
        let dashboard = try TmuxSession(sandbox, width: 120, height: 40, arguments: ["--workspace", sandbox.demo.path])
        do {
            try await dashboard.waitUntil("the overview is drawn") { ScreenChecks.showsFourPanes($0) && ScreenChecks.hasStatusBar($0) }
        } catch {
            dashboard.close()
            throw error
        }
        return dashboard
    }

    static func statusBar(_ screen: String) -> String {
        screen.components(separatedBy: "\n").first ?? ""
    }

    /// The status bar names the core's pid and no disconnection.
    static func waitAttached(_ dashboard: TmuxSession, to pid: pid_t, timeout: Double = 10,
                             sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await dashboard.waitUntil("the status bar shows 'attached to pid \(pid)' and no disconnection", timeout: timeout,
                                      sourceLocation: sourceLocation) { screen in
            let top = statusBar(screen)
            return top.contains("attached to pid \(pid) ") && !top.contains("disconnected")
        }
    }

    /// The Fleet pane's title line (its part up to the pane's right corner) and its non-empty rows.
    static func fleetPane(_ screen: String) -> (title: String, rows: [String])? {
        let lines = screen.components(separatedBy: "\n")
        guard let titleIndex = lines.firstIndex(where: { $0.contains("3 Fleet") }),
              let corner = lines[titleIndex].firstIndex(of: "┐") else { return nil }
        let title = lines[titleIndex]
        let width = title.distance(from: title.startIndex, to: corner) + 1
        let body = lines[(titleIndex + 1)...].prefix { !$0.hasPrefix("└") }.map { String($0.prefix(width)) }
        let rows = body.dropFirst().filter { !$0.trimmingCharacters(in: CharacterSet(charactersIn: "│ ")).isEmpty }
        return (String(title[...corner]), rows)
    }

    /// Fleet's title shows the `/prod` filter and its rows are the four prod services only.
    static func waitFleetFilteredToProd(_ dashboard: TmuxSession, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await dashboard.waitUntil("Fleet is filtered to /prod (four prod rows)", sourceLocation: sourceLocation) { screen in
            guard let fleet = fleetPane(screen) else { return false }
            return fleet.title.contains("/prod") && fleet.rows.count == 4 && fleet.rows.allSatisfy { $0.contains(" prod ") }
        }
    }

    /// Enter opens the selected Fleet row (so Fleet has focus) titled `detail`; Escape closes it.
    static func expectFleetSelection(_ dashboard: TmuxSession, _ detail: String,
                                     sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try dashboard.press("Enter")
        try await dashboard.waitFor(detail, "Endpoint:", sourceLocation: sourceLocation)
        try dashboard.press("Escape")
        try await dashboard.waitForGone("Endpoint:", sourceLocation: sourceLocation)
    }

    /// An acting CLI command as fay, from another terminal; must succeed.
    static func cli(_ arguments: [String], _ sandbox: Sandbox) throws {
        var environment = sandbox.environment
        environment["SHIPDECK_USER"] = "fay"
        let result = try ShipdeckBinary.run(arguments + ["--workspace", sandbox.demo.path], in: sandbox.work, environment: environment)
        guard result.status == 0 else {
            throw E2EFailure("shipdeck \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
    }
}
