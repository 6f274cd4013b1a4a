import Foundation
import Testing
import ShipdeckCore
@testable import ShipdeckApp
import TerminalUI

/// The Alerts pane as the on-call operator works it: the live list (open first), acknowledging,
/// resolving, noting and snoozing by keypress, the detail with its timeline, who is paged now and
/// next, and what changed just before (with a rollback), and the flash and bell of a new alert.
@Suite struct AlertsPaneTests {
    static let now = Fixtures.now

    static func crash(id: Int64 = 3, urgency: Incident.Urgency = .high, createdAgo: Double = 60) -> Incident {
        var incident = Incident(id: id, dedupKey: "health/orders-test-12-1", summary: "orders-test-12-1 CRITICAL: crashed: killed by signal 9",
                                source: "orders-test-12-1", severity: .critical, urgency: urgency, service: "orders", environment: "test",
                                integration: "health", createdAt: now.addingTimeInterval(-createdAgo))
        incident.paged = ["ana", "dara"]
        incident.nextPaged = ["fay"]
        incident.nextEscalationAt = now.addingTimeInterval(840)
        incident.timeline = [
            TimelineEntry(at: now.addingTimeInterval(-createdAgo), kind: .trigger, by: "health", text: "critical, high urgency, from orders-test-12-1"),
            TimelineEntry(at: now.addingTimeInterval(-createdAgo), kind: .notify, by: "shipdeck", text: "paged ana, dara (level 1)"),
            TimelineEntry(at: now.addingTimeInterval(-30), kind: .note, by: "ben", text: "looking at the pool size"),
        ]
        return incident
    }

    /// The Fleet fixture (orders in test ran orders:7, then orders:8 95 s ago) and three alerts:
    /// a triggered crash of orders in test, an acknowledged payments warning, a resolved one.
    static func snapshot() -> WorkspaceSnapshot {
        var snapshot = FleetKeyTests.snapshot()
        snapshot.pipelines[0].builds.append(
            BuildRecord(id: 2, service: "orders", number: 8, commit: "8888888aaaa", branch: "main", message: "SHP-3 keys", state: .passed,
                        createdAt: now.addingTimeInterval(-300), finishedAt: now.addingTimeInterval(-200), author: "Ana Ruiz"))
        var acknowledged = Incident(id: 2, dedupKey: "grafana/p99", summary: "payments p99 over 800ms", source: "grafana", severity: .warning,
                                    urgency: .low, service: "payments", environment: "prod", integration: "grafana",
                                    createdAt: now.addingTimeInterval(-1800))
        acknowledged.state = .acknowledged
        acknowledged.acknowledgedBy = "ben"
        acknowledged.acknowledgedAt = now.addingTimeInterval(-1700)
        var resolved = Incident(id: 1, dedupKey: "deploy/catalog/test", summary: "deploy of catalog:3 to test failed: health timeout",
                                source: "deploy #4", severity: .error, urgency: .high, service: "catalog", environment: "test",
                                integration: "deploys", createdAt: now.addingTimeInterval(-7200))
        resolved.state = .resolved
        resolved.resolvedBy = "fay"
        resolved.resolvedAt = now.addingTimeInterval(-3600)
        // The snapshot's own order (newest id first) is not the pane's.
        snapshot.alerts = [crash(), acknowledged, resolved]
        return snapshot
    }

    /// A driver with the Alerts pane full screen.
    static func alertsDriver(width: Int = 140, height: Int = 40, snapshot: WorkspaceSnapshot = snapshot()) -> (AppDriver, MemoryBackend) {
        let (driver, backend) = Fixtures.driver(width: width, height: height, snapshot: snapshot)
        driver.type("4")
        return (driver, backend)
    }

    static func line(_ backend: MemoryBackend, _ text: String) -> String {
        backend.screen.lines.first { $0.contains(text) } ?? ""
    }

    // MARK: - The pane

    @Test func paneListsOpenAlertsFirstWithWhoIsPagedOrAcknowledged() {
        var snapshot = Self.snapshot()
        snapshot.alerts.reverse()  // the pane orders by state, whatever the snapshot's order
        let (_, backend) = Self.alertsDriver(snapshot: snapshot)
        let screen = backend.screen.lines.joined(separator: "\n")
        let header = Self.line(backend, "Summary")
        for column in ["#", "Sev", "Urg", "State", "Service", "Summary", "Age", "Who"] { #expect(header.contains(column), "\(header)") }
        let crash = Self.line(backend, "orders-test-12-1 CRITICAL: crashed")
        #expect(crash.contains("#3") && crash.contains("CRITICAL") && crash.contains("high") && crash.contains("triggered"), "\(crash)")
        #expect(crash.contains("orders/test") && crash.contains("1m") && crash.contains("ana,dara"), "\(crash)")
        let acknowledged = Self.line(backend, "payments p99")
        #expect(acknowledged.contains("WARNING") && acknowledged.contains("low") && acknowledged.contains("acknowledged") && acknowledged.contains("ben"))
        let resolved = Self.line(backend, "deploy of catalog:3")
        #expect(resolved.contains("resolved") && resolved.contains("fay") && resolved.contains("2h"), "\(resolved)")
        let rows = ["#3", "#2", "#1"].map { id in backend.screen.lines.firstIndex { $0.contains(" \(id) ") || $0.contains("│\(id) ") }! }
        #expect(rows == rows.sorted(), "triggered, then acknowledged, then resolved:\n\(screen)")
    }

    @Test func narrowPaneKeepsStateAndSummaryInShortWords() {
        let (_, backend) = Fixtures.driver(width: 120, height: 40, snapshot: Self.snapshot())
        let crash = Self.line(backend, "#3")
        #expect(crash.contains("CRIT") && crash.contains("trig") && crash.contains("orders-test-12-1"), "\(crash)")
        #expect(Self.line(backend, "#2").contains("ack"))
    }

    @Test func anAlertAcknowledgedElsewhereShowsAtOnceAndKeepsItsSelection() {
        let (driver, backend) = Self.alertsDriver()
        driver.type("j")  // #2, the acknowledged one
        #expect(driver.model.selectedIncident?.id == 2)
        var acknowledged = Self.crash()
        acknowledged.state = .acknowledged
        acknowledged.acknowledgedBy = "chen"
        acknowledged.acknowledgedAt = Self.now
        driver.dispatch(.core(CoreEvent(sequence: 9, at: Self.now, change: .incidentUpdated(incident: acknowledged))))
        driver.render()
        let row = Self.line(backend, "orders-test-12-1 CRITICAL")
        #expect(row.contains("acknowledged") && row.contains("chen"), "\(row)")
        // A new alert goes on top; the selection stays on the alert it was on.
        var new = Self.crash(id: 4, createdAgo: 0)
        new.summary = "orders-test-13-1 CRITICAL: crashed: exit status 1"
        driver.dispatch(.core(CoreEvent(sequence: 10, at: Self.now, change: .incidentUpdated(incident: new))))
        driver.render()
        #expect(backend.screen.contains("orders-test-13-1 CRITICAL"))
        #expect(driver.model.selection[.alerts] == 2)
        #expect(driver.model.selectedIncident?.id == 2, "the selection follows its alert when the order changes")
    }

    // MARK: - Keys

    @Test func aAcknowledgesTheSelectedAlert() {
        let (driver, _) = Self.alertsDriver()
        #expect(driver.type("a") == [.perform(.acknowledgeIncident(id: 3))])
        driver.type("j")
        #expect(driver.type("a").isEmpty, "an acknowledged alert is not acknowledged again")
        #expect(driver.model.notice?.text == "#2 is already acknowledged by ben")
    }

    @Test func rAsksBeforeResolving() {
        let (driver, backend) = Self.alertsDriver()
        #expect(driver.type("r").isEmpty)
        #expect(backend.screen.contains("Resolve #3?"))
        #expect(backend.screen.contains("orders-test-12-1 CRITICAL: crashed"))
        #expect(driver.type("y") == [.perform(.resolveIncident(id: 3))])
        #expect(driver.model.mode == .normal)
    }

    @Test func nTypesANoteForTheTimeline() {
        let (driver, backend) = Self.alertsDriver()
        driver.type("n")
        #expect(backend.screen.contains("Note on #3"))
        #expect(driver.press(.enter).isEmpty, "an empty note is not sent")
        driver.type("restarted by hand; ")
        driver.dispatch(.paste("pool at 80%"))
        driver.render()
        #expect(backend.screen.contains("restarted by hand; pool at 80%"))
        #expect(driver.press(.enter) == [.perform(.noteIncident(id: 3, text: "restarted by hand; pool at 80%"))])
        #expect(driver.model.mode == .normal)
        driver.type("n")
        driver.type("q")
        driver.press(.escape)
        #expect(driver.model.mode == .normal, "Esc closes the note; q was typed, not quit")
        #expect(!driver.model.quit)
    }

    @Test func sSnoozesForTheChosenTime() {
        let (driver, backend) = Self.alertsDriver()
        driver.type("s")
        #expect(backend.screen.contains("Snooze #3 — no pages meanwhile"))
        #expect(backend.screen.contains("15 min") && backend.screen.contains("1 h") && backend.screen.contains("4 h"))
        #expect(backend.screen.contains("pages again at 13:00:00"), "1 h from 12:00")
        driver.type("j")
        #expect(driver.press(.enter) == [.perform(.snoozeIncident(id: 3, seconds: 3600))])
        driver.type("G")
        #expect(driver.type("s").isEmpty && driver.model.notice?.text == "#1 is already resolved")
    }

    @Test func keysAreInTheFooterAndHelp() {
        let (driver, backend) = Self.alertsDriver()
        let footer = backend.screen.line(39)
        for label in ["a ack", "r resolve", "n note", "s snooze"] { #expect(footer.contains(label), "\(footer)") }
        let help = HelpView.lines(for: driver.model).map { $0.map(\.text).joined() }
        let section = help.firstIndex { $0 == "Alerts pane" }
        #expect(section != nil)
        #expect(help.dropFirst(section ?? 0).prefix(6).contains { $0.contains("a") && $0.contains("Acknowledge the selected alert") })
        #expect(KeybindingsDoc.markdown().contains("| `R` | Roll the alert's service back in its environment"))
    }

    // MARK: - The detail

    @Test func detailShowsPagedNextTimelineAndWhatChangedBefore() {
        let (driver, backend) = Self.alertsDriver(width: 160, height: 50)
        driver.press(.enter)
        let screen = backend.screen.lines.joined(separator: "\n")
        #expect(screen.contains("#3 CRITICAL · triggered"), "\(screen)")
        #expect(Self.line(backend, "Paged now").contains("ana, dara (level 1)"))
        let next = Self.line(backend, "Next")
        #expect(next.contains("fay at 12:14:00 (in 14m00s)") && next.contains("unless someone acknowledges"), "\(next)")
        // Deploys of orders to test in the hour before it opened (11:59:00), newest first.
        let deploy = Self.line(backend, "11:58:25")
        #expect(deploy.contains("orders:8") && deploy.contains("succeeded") && deploy.contains("by ana (pipeline) from orders#8"), "\(deploy)")
        #expect(Self.line(backend, "11:44:55").contains("orders:7"))
        let build = Self.line(backend, "8888888a")
        #expect(build.contains("orders#8") && build.contains("passed") && build.contains("8888888a") && build.contains("SHP-3 keys") && build.contains("Ana Ruiz"), "\(build)")
        #expect(!screen.contains("orders#7 "), "a build after it opened is not a change before it")
        #expect(screen.contains("R rolls orders back in test from orders:8 to orders:7"))
        // The timeline, newest first.
        let note = backend.screen.lines.firstIndex { $0.contains("looking at the pool size") }!
        let trigger = backend.screen.lines.firstIndex { $0.contains("critical, high urgency, from orders-test-12-1") }!
        #expect(note < trigger)
        #expect(Self.line(backend, "looking at the pool size").contains("ben"))
    }

    @Test func detailOfAnAcknowledgedSnoozedAlertSaysSoAndScrolls() {
        var snapshot = Self.snapshot()
        snapshot.alerts[0].state = .acknowledged
        snapshot.alerts[0].acknowledgedBy = "fay"
        snapshot.alerts[0].acknowledgedAt = Self.now.addingTimeInterval(-20)
        snapshot.alerts[0].snoozedUntil = Self.now.addingTimeInterval(900)
        snapshot.alerts[0].nextEscalationAt = nil
        let (driver, backend) = Self.alertsDriver(width: 140, height: 16, snapshot: snapshot)
        driver.press(.enter)
        #expect(Self.line(backend, "Acknowledged").contains("by fay at 11:59:40"))
        #expect(Self.line(backend, "Snoozed").contains("until 12:15:00 (in 15m00s)"))
        #expect(!backend.screen.contains("looking at the pool size"), "the timeline is below the fold")
        driver.press(.pageDown, .pageDown)
        #expect(backend.screen.contains("looking at the pool size"))
        #expect(driver.model.mode == .detail)
        driver.press(.escape)
        #expect(driver.model.mode == .normal)
    }

    @Test func rInTheDetailRollsTheServiceBackAfterAsking() {
        let (driver, backend) = Self.alertsDriver()
        driver.press(.enter)
        #expect(driver.type("R").isEmpty)
        #expect(backend.screen.contains("Roll back orders/test?"))
        #expect(backend.screen.contains("From orders:8 to orders:7."))
        #expect(backend.screen.contains("#3 CRITICAL · triggered"), "the detail stays under the question")
        #expect(driver.type("y") == [.perform(.rollback(service: "orders", environment: "test"))])
        #expect(driver.model.mode == .detail, "back to the alert")
    }

    @Test func rollbackSaysWhyWhenThereIsNothingToRollBackTo() {
        let (driver, _) = Self.alertsDriver()
        driver.type("j")  // payments in prod: never deployed
        #expect(driver.type("R").isEmpty)
        #expect(driver.model.notice?.text == "Cannot roll back: payments does not run in prod")
    }

    @Test func acknowledgeFromTheDetailKeepsTheDetailOpen() {
        let (driver, _) = Self.alertsDriver()
        driver.press(.enter)
        #expect(driver.type("a") == [.perform(.acknowledgeIncident(id: 3))])
        #expect(driver.model.mode == .detail)
        driver.type("n")
        driver.type("ok")
        #expect(driver.press(.enter) == [.perform(.noteIncident(id: 3, text: "ok"))])
        #expect(driver.model.mode == .detail)
    }

    // MARK: - Flash and bell

    static func newAlert(_ incident: Incident, sequence: Int64 = 10) -> Action {
        .core(CoreEvent(sequence: sequence, at: now, change: .incidentUpdated(incident: incident)))
    }

    @Test func aNewHighUrgencyAlertFlashesThePaneAndRingsTheBell() {
        var snapshot = Self.snapshot()
        snapshot.alerts.removeFirst()
        let (driver, backend) = Fixtures.driver(width: 120, height: 40, snapshot: snapshot)
        let title = { backend.screen.lines.first { $0.contains("4 Alerts") } ?? "" }
        #expect(!title().contains("NEW ALERT"))
        driver.dispatch(Self.newAlert(Self.crash(createdAgo: 0)))
        driver.render()
        #expect(backend.bells == 1)
        #expect(title().contains("NEW ALERT #3"), "\(title())")
        let y = backend.screen.lines.firstIndex { $0.contains("4 Alerts") }!
        let x = backend.screen.lines[y].firstIndex(of: "4").map { backend.screen.lines[y].distance(from: backend.screen.lines[y].startIndex, to: $0) }!
        #expect(backend.screen[x, y].style == Theme.fallback[.notice], "the title is highlighted")
        #expect(backend.screen.line(39).contains("New alert #3 CRITICAL: orders-test-12-1 CRITICAL: crashed"))
        // The flash lasts a few clock ticks, then the frame is plain again.
        for second in 1...AlertFlash.ticks {
            #expect(title().contains("NEW ALERT"), "still flashing after \(second - 1) s")
            driver.dispatch(.tick(Self.now.addingTimeInterval(Double(second))))
            driver.render()
        }
        #expect(!title().contains("NEW ALERT"))
        #expect(backend.screen[x, y].style != Theme.fallback[.notice])
        #expect(backend.bells == 1)
    }

    @Test func noBellForLowUrgencyOrAnUpdateOfAKnownAlert() {
        let (driver, backend) = Fixtures.driver(width: 120, height: 40, snapshot: Self.snapshot())
        var update = Self.crash()
        update.timeline.append(TimelineEntry(at: Self.now, kind: .escalate, by: "shipdeck", text: "paged fay (level 2)"))
        driver.dispatch(Self.newAlert(update))
        driver.dispatch(Self.newAlert(Self.crash(id: 4, urgency: .low, createdAgo: 0), sequence: 11))
        driver.render()
        #expect(backend.bells == 0)
        #expect(driver.model.alertFlash == nil)
        #expect(backend.screen.contains("#4"), "the low-urgency alert still shows")
    }

    @Test func theBellCanBeTurnedOff() {
        var snapshot = Self.snapshot()
        snapshot.alerts.removeFirst()
        snapshot.workspace.alertBell = false
        let (driver, backend) = Fixtures.driver(width: 120, height: 40, snapshot: snapshot)
        var model = driver.model
        #expect(!update(&model, Self.newAlert(Self.crash())).contains(.bell))
        #expect(model.alertFlash?.incident == 3, "it still flashes")
        driver.dispatch(Self.newAlert(Self.crash()))
        #expect(backend.bells == 0)
    }
}
