import Foundation
import Testing

/// The on-call operator's session: a demo instance is killed, its alert appears in the Alerts pane,
/// `a` acknowledges it, the instance comes back after its restart backoff, and the alert resolves.
@Suite(.timeLimit(.minutes(4))) struct AlertsEndToEndTests {
    @Test func killedInstanceAlertsIsAcknowledgedAndResolvesWhenItComesBack() async throws {
        let sandbox = try Sandbox()
        // A crashed instance waits 8 s before its restart: time for a person to acknowledge.
        try sandbox.createFastDemo { text in
            guard text.contains("\nboard:\n") else { throw E2EFailure("the demo's shipdeck.yml has no board: section to put fleet: before") }
            return text.replacingOccurrences(of: "\nboard:\n", with: "\nfleet:\n  restart_backoff: 8\n\nboard:\n")
        }
        let app = try TmuxSession(sandbox, width: 200, height: 40, arguments: ["--workspace", sandbox.demo.path])
        defer { app.close() }
        try await app.waitUntil("the status bar says 'own core'") { $0.components(separatedBy: "\n").first?.contains("own core") == true }

        // A commit to orders runs its pipeline, which deploys it to test.
        try sandbox.commit(to: "orders", line: "# SHP-9 connection pool", message: "SHP-9 connection pool")
        try app.press("3")
        try await app.waitUntilDeployedToTest("orders")

        // The service's detail names the instance's process: kill it as a crash would.
        try app.press("Enter")
        func instanceLine(_ screen: String) -> String {
            screen.components(separatedBy: "\n").first { $0.contains("orders-test-1-1") && $0.contains("pid ") } ?? ""
        }
        let detail = try await app.waitUntil("orders-test-1-1 is healthy with its pid") { instanceLine($0).contains("healthy") }
        guard let range = instanceLine(detail).range(of: #"pid (\d+)"#, options: .regularExpression),
              let pid = pid_t(instanceLine(detail)[range].dropFirst(4)) else {
            throw E2EFailure("no pid on the instance's line: \(instanceLine(detail))")
        }
        let started = Date()
        guard kill(pid, SIGKILL) == 0 else { throw E2EFailure("kill -9 \(pid) failed: errno \(errno)") }
        try app.press("Escape")
        try app.press("4")

        // The alert appears, triggered, paging whoever is on call.
        func alertLine(_ screen: String) -> String {
            screen.components(separatedBy: "\n").first { $0.contains("orders-test-1-1 CRITICAL: crashed") } ?? ""
        }
        let raised = try await app.waitUntil("the crash's alert is on screen, triggered", timeout: 20) { alertLine($0).contains("triggered") }
        let raisedAfter = Date().timeIntervalSince(started)
        // (Its urgency is the core's call: a crash in an unprotected environment pages at low urgency.)
        #expect(alertLine(raised).contains("CRITICAL") && alertLine(raised).contains("orders/test"), "\(alertLine(raised))")

        // a acknowledges it: the row says so, and by whom (the demo's user, fay).
        try app.press("a")
        let acknowledged = try await app.waitUntil("the alert is acknowledged by fay", timeout: 10) { screen in
            alertLine(screen).contains("acknowledged") && alertLine(screen).contains("fay")
        }
        #expect(!alertLine(acknowledged).contains("resolved"), "acknowledged before the instance came back: \(alertLine(acknowledged))")

        // Its detail: the timeline (trigger, acknowledgement) and the deploy just before it.
        try app.press("Enter")
        try await app.waitFor("Acknowledged", "by fay", "What changed before it opened", "orders:1", "acknowledge")
        try app.press("Escape")

        // After the backoff the instance is restarted, passes its check, and the alert resolves by itself.
        let resolved = try await app.waitUntil("the alert resolves once the instance is back", timeout: 60) { alertLine($0).contains("resolved") }
        let resolvedAfter = Date().timeIntervalSince(started)
        #expect(alertLine(resolved).contains("health"), "resolved by the health check: \(alertLine(resolved))")
        #expect(resolvedAfter >= 8, "not before the restart backoff: \(resolvedAfter) s")
        print("AlertsEndToEndTests: alert on screen \(String(format: "%.1f", raisedAfter)) s after kill -9, resolved after \(String(format: "%.1f", resolvedAfter)) s")

        try app.press("3")
        try await app.waitUntil("orders/test serves 1/1 again") { screen in
            screen.components(separatedBy: "\n").contains { $0.contains("orders") && $0.contains("test") && $0.contains("1/1") && $0.contains("orders:1") }
        }
        try app.press("q")
        try await app.waitFor("EXITED:0", timeout: 30)
    }
}
