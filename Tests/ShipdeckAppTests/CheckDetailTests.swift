import Foundation
import Testing
import ShipdeckCore
@testable import ShipdeckApp
import TerminalUI

/// Health checks as the on-call developer sees them: the markers that say an instance's alerts are
/// held, the check detail (`c`), running a check now, scheduling and cancelling downtime, and the
/// status line when a check changes HARD state.
@Suite struct CheckDetailTests {
    static let instance = "orders-test-12-1"
    static let now = Fixtures.now
    static let instanceDowntime = DowntimeRecord(
        downtime: .fixed(from: now.addingTimeInterval(-600), to: now.addingTimeInterval(3600), comment: "maintenance window",
                         id: UUID(uuidString: "00000000-0000-0000-0000-000000000001")!),
        service: "orders", environment: "test", instance: instance, by: "ana")
    static let serviceDowntime = DowntimeRecord(
        downtime: .flexible(from: now, to: now.addingTimeInterval(4 * 3600), duration: 3600,
                            id: UUID(uuidString: "00000000-0000-0000-0000-000000000002")!),
        service: "orders", environment: "test", instance: nil, by: "ben")

    /// The Fleet fixture with the active instance CRITICAL HARD, flapping and in a scheduled
    /// downtime, and the warm one held by the deploy.
    static func snapshot() -> WorkspaceSnapshot {
        var snapshot = FleetKeyTests.snapshot()
        var instances = snapshot.fleet[0].instances
        instances[0].state = .unhealthy
        instances[0].health = .critical
        instances[0].checkType = "hard"
        instances[0].checkAttempt = "3/3"
        instances[0].checkedAt = now.addingTimeInterval(-3)
        instances[0].flapping = true
        instances[0].downtime = "maintenance window"
        instances[1].checkType = "hard"
        instances[1].checkAttempt = "1/3"
        instances[1].checkedAt = now.addingTimeInterval(-1)
        instances[1].downtime = "deploy"
        snapshot.fleet[0].instances = instances
        return snapshot
    }

    static func event(_ kind: HealthEvent.Kind, _ status: CheckStatus, _ type: StateType, attempt: String, ago: Double,
                      output: String, suppressed: String? = nil) -> HealthEvent {
        HealthEvent(id: 1, instance: instance, service: "orders", environment: "test", at: now.addingTimeInterval(-ago), kind: kind,
                    status: status, stateType: type, attempt: attempt, output: output, suppressed: suppressed)
    }

    static func detail(downtimes: [DowntimeRecord] = [instanceDowntime, serviceDowntime]) -> CheckDetail {
        CheckDetail(
            instance: instance, service: "orders", environment: "test", kind: "http", target: "GET http://127.0.0.1:41001/health",
            status: .critical, stateType: .hard, attempt: 3, maxAttempts: 3, lastCheck: now.addingTimeInterval(-3),
            lastStateChange: now.addingTimeInterval(-125), nextCheck: now.addingTimeInterval(2),
            output: "HTTP CRITICAL: 503 Service Unavailable", longOutput: "database: critical (connection refused)",
            perfdata: [PerfDatum(label: "time", value: 0.012, unit: "s", warn: "0.5", crit: "1", min: 0)], duration: 0.012,
            flapping: true, percentStateChange: 35.0,
            perfHistory: [PerfSeries(label: "time", unit: "s", values: [0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07])],
            history: [event(.hard, .critical, .hard, attempt: "3/3", ago: 125, output: "HTTP CRITICAL: 503 Service Unavailable", suppressed: "downtime"),
                      event(.soft, .critical, .soft, attempt: "1/3", ago: 127, output: "HTTP CRITICAL: 503 Service Unavailable")],
            downtimes: downtimes, inDowntime: true)
    }

    /// The dashboard with the Fleet pane's orders/test service open and the check detail of its
    /// first instance loaded.
    static func openCheck(width: Int = 160, height: Int = 50, detail: CheckDetail = detail()) -> (AppDriver, MemoryBackend) {
        let (driver, backend) = Fixtures.driver(width: width, height: height, snapshot: snapshot())
        driver.type("33")
        driver.press(.enter)
        #expect(driver.type("c") == [.loadCheckDetail(instance: instance)])
        driver.dispatch(.checkDetailLoaded(detail))
        driver.render()
        return (driver, backend)
    }

    static func reload(_ command: CoreCommand) -> Effect { .performThen(command, then: .reloadCheckDetail(instance: instance)) }

    @Test func healthColumnKeepsItsTextAndMarksFlappingAndDowntime() {
        let (driver, backend) = Fixtures.driver(width: 220, height: 40, snapshot: Self.snapshot())
        driver.type("33")
        driver.press(.enter)
        #expect(backend.screen.lines.contains { $0.contains("HEALTH                ALERTS             UP") })
        let active = backend.screen.lines.first { $0.contains(Self.instance) } ?? ""
        #expect(active.contains("CRITICAL HARD 3s      FLAPPING DOWNTIME  1m30s"), "\(active)")
        #expect(active.contains("alerts held: maintenance window"))
        let warm = backend.screen.lines.first { $0.contains("orders-test-11-1") } ?? ""
        #expect(warm.contains("OK 1s                 DOWNTIME           15m00s"), "\(warm)")
        #expect(warm.contains("alerts held: deploy"))
        #expect(backend.screen.contains("c its health check"), "the detail says which key opens the check")

        var soft = Self.snapshot().fleet[0].instances[0]
        (soft.checkType, soft.checkAttempt, soft.checkedAt, soft.flapping, soft.downtime) = ("soft", "2/3", Self.now.addingTimeInterval(-1), nil, nil)
        #expect(FleetView.healthText(soft, now: Self.now) == "CRITICAL SOFT 2/3 1s")
        #expect(FleetView.alertMarks(soft) == "")
    }

    @Test func paneRowSaysWhenAServingInstancesAlertsAreHeld() {
        let (driver, backend) = Fixtures.driver(width: 140, height: 30, snapshot: Self.snapshot())
        driver.type("3")
        let row = backend.screen.lines.first { $0.contains("orders") && $0.contains("test") && $0.contains("0/1") } ?? ""
        #expect(row.contains("FLAPPING DOWNTIME · orders:8"), "\(row)")
        var quiet = Self.snapshot()
        quiet.fleet[0].instances[0].flapping = nil
        quiet.fleet[0].instances[0].downtime = nil
        #expect(FleetView.heldMarks(quiet.fleet[0]) == "", "a warm group held by its deploy is not the service's news")
    }

    @Test func checkDetailShowsStateOutputPerfdataHistoryAndDowntimes() {
        let (driver, backend) = Fixtures.driver(width: 160, height: 50, snapshot: Self.snapshot())
        driver.type("33")
        driver.press(.enter)
        driver.type("c")
        #expect(driver.model.mode == .check)
        #expect(backend.screen.contains("Loading…"))
        driver.dispatch(.checkDetailLoaded(Self.detail()))
        driver.render()
        let screen = backend.screen
        let text = screen.lines.joined(separator: "\n")
        #expect(screen.contains("orders-test-12-1 · health check"), "\(text)")
        #expect(screen.contains("FLAPPING · DOWNTIME"), "the title says the alerts are held")
        #expect(screen.contains("http · GET http://127.0.0.1:41001/health"))
        #expect(screen.contains("CRITICAL HARD 3/3 · since 2m ago"))
        #expect(screen.contains("3s ago · took 12ms · next in 2s"))
        #expect(screen.contains("FLAPPING · 35.0% state change"))
        #expect(screen.contains("ALERTS HELD: maintenance window · 2 scheduled (below)"))
        #expect(screen.contains("  HTTP CRITICAL: 503 Service Unavailable"))
        #expect(screen.contains("  database: critical (connection refused)"))
        let perf = screen.lines.first { $0.contains("time") && $0.contains("0.012s") } ?? ""
        #expect(perf.contains("warn 0.5") && perf.contains("crit 1"), "\(perf)")
        #expect(perf.contains("▁▂▃▄▅▆▇█"), "the perfdata series is drawn as a sparkline: \(perf)")
        #expect(perf.contains("0–0.07s over 8 checks"))
        let hard = screen.lines.firstIndex { $0.contains("HARD") && $0.contains("CRITICAL HARD 3/3") && $0.contains("11:57:55") }
        let soft = screen.lines.firstIndex { $0.contains("soft") && $0.contains("CRITICAL SOFT 1/3") && $0.contains("11:57:53") }
        #expect(hard != nil && soft != nil && hard! < soft!, "history is newest first\n\(text)")
        #expect(hard.map { screen.lines[$0].contains("alerts held: downtime") } == true)
        #expect(screen.contains("orders-test-12-1 · fixed, until 13:00:00 (1h00m left) · by ana · maintenance window"))
        #expect(screen.contains("every instance of orders in test · flexible 1 h from a problem starting before 16:00:00 (waiting) · by ben"))
        #expect(screen.line(49).contains("f check now"), "the footer lists the check detail's keys")
        #expect(screen.line(49).contains("w downtime"))
    }

    @Test func fRunsTheCheckNowAndFetchesTheDetailOnceItRan() {
        let (driver, _) = Self.openCheck()
        #expect(driver.type("f") == [Self.reload(.forceCheck(instance: Self.instance))])
        #expect(driver.dispatch(.reloadCheckDetail(instance: Self.instance)) == [.loadCheckDetail(instance: Self.instance)])
        #expect(driver.dispatch(.reloadCheckDetail(instance: "orders-test-9-9")) == [], "a stale reload for another instance does nothing")
    }

    @Test func wOffersDurationsForTheInstanceOrTheServiceAndGoesBack() {
        let (driver, backend) = Self.openCheck()
        driver.type("w")
        #expect(backend.screen.contains("Schedule downtime — alerts are held meanwhile"))
        #expect(backend.screen.contains("orders-test-12-1: 30 min from now"))
        #expect(backend.screen.contains("every instance of orders in test: 4 h from now"))
        driver.type("j")
        let effects = driver.press(.enter)
        #expect(effects == [Self.reload(.scheduleDowntime(service: "orders", environment: "test", instance: Self.instance, duration: 3600,
                                                          flexibleWindow: nil, comment: ""))])
        #expect(driver.model.mode == .check, "picking goes back to the check detail")
        #expect(backend.screen.contains("orders-test-12-1 · health check"))

        driver.type("w")
        driver.type("jjjjjjjjj")
        #expect(driver.press(.enter) == [Self.reload(.scheduleDowntime(service: "orders", environment: "test", instance: nil, duration: 3600,
                                                                       flexibleWindow: 4 * 3600, comment: ""))])
        driver.type("w")
        #expect(driver.press(.escape) == [])
        #expect(driver.model.mode == .check, "closing the picker goes back to the check detail")
    }

    @Test func uAsksThenCancelsEveryDowntimeShown() {
        let (driver, backend) = Self.openCheck()
        driver.type("u")
        #expect(backend.screen.contains("End these 2 downtimes now?"))
        #expect(driver.type("n") == [])
        #expect(driver.model.mode == .check)
        driver.type("u")
        #expect(driver.type("y") == [Self.reload(.cancelDowntime(id: Self.instanceDowntime.id)), Self.reload(.cancelDowntime(id: Self.serviceDowntime.id))])
        #expect(driver.model.mode == .check)

        let (quiet, quietBackend) = Self.openCheck(detail: Self.detail(downtimes: []))
        #expect(quiet.type("u") == [])
        #expect(quietBackend.screen.contains("No downtime covers orders-test-12-1; w schedules one"))
    }

    @Test func escGoesBackToTheServiceAndScrollKeysMoveTheView() {
        let (driver, backend) = Self.openCheck(width: 120, height: 16)
        #expect(backend.screen.contains("Check"))
        driver.type("jj")
        #expect(driver.model.check?.offset == 2)
        #expect(!backend.screen.lines.contains { $0.contains("GET http://127.0.0.1:41001/health") }, "scrolled past the first lines")
        driver.press(.escape)
        #expect(driver.model.mode == .detail)
        #expect(driver.model.check == nil)
        #expect(backend.screen.contains("orders in test"))
    }

    @Test func changesOfTheServiceFetchTheOpenCheckAgainOnceAtATime() {
        let (driver, _) = Self.openCheck()
        let row = Self.snapshot().fleet[0]
        let update = Action.core(CoreEvent(sequence: 5, at: Self.now, change: .fleetUpdated(row: row)))
        #expect(driver.dispatch(update) == [.loadCheckDetail(instance: Self.instance)])
        #expect(driver.dispatch(update) == [], "one fetch at a time")
        #expect(driver.dispatch(.checkDetailLoaded(Self.detail())) == [.loadCheckDetail(instance: Self.instance)],
                "a change that arrived meanwhile is fetched once the first fetch is in")
        #expect(driver.dispatch(.checkDetailLoaded(Self.detail())) == [])
        let other = Self.snapshot().fleet[2]
        #expect(driver.dispatch(.core(CoreEvent(sequence: 6, at: Self.now, change: .fleetUpdated(row: other)))) == [])
    }

    @Test func aFailedFetchSaysWhy() {
        let (driver, backend) = Self.openCheck()
        driver.dispatch(.checkDetailFailed(instance: Self.instance, message: "not found: there is no instance 'orders-test-12-1'"))
        driver.render()
        #expect(backend.screen.contains("not found: there is no instance 'orders-test-12-1'"))
    }

    @Test func aHardChangeShowsANoticeWithWhyItsAlertsAreHeld() {
        let (driver, backend) = Fixtures.driver(width: 140, height: 24, snapshot: Self.snapshot())
        let hard = Self.event(.hard, .critical, .hard, attempt: "3/3", ago: 0, output: "HTTP CRITICAL: 503 Service Unavailable", suppressed: "downtime")
        driver.dispatch(.core(CoreEvent(sequence: 7, at: Self.now, change: .healthChanged(event: hard))))
        driver.render()
        #expect(backend.screen.line(23).contains("orders-test-12-1 CRITICAL HARD: HTTP CRITICAL: 503 Service Unavailable (alerts held: downtime)"))
        #expect(driver.model.notice?.level == .error)

        let recovered = Self.event(.hard, .ok, .hard, attempt: "1/3", ago: 0, output: "HTTP OK: 200")
        driver.dispatch(.core(CoreEvent(sequence: 8, at: Self.now, change: .healthChanged(event: recovered))))
        driver.render()
        #expect(backend.screen.line(23).contains("orders-test-12-1 OK HARD: HTTP OK: 200"))
        #expect(!backend.screen.line(23).contains("alerts held"))

        driver.type("j")
        let soft = Self.event(.soft, .critical, .soft, attempt: "1/3", ago: 0, output: "HTTP CRITICAL: 503")
        driver.dispatch(.core(CoreEvent(sequence: 9, at: Self.now, change: .healthChanged(event: soft))))
        #expect(driver.model.notice == nil, "SOFT changes stay off the status line")

        let flapping = Self.event(.flappingStarted, .critical, .hard, attempt: "3/3", ago: 0, output: "HTTP CRITICAL: 503")
        driver.dispatch(.core(CoreEvent(sequence: 10, at: Self.now, change: .healthChanged(event: flapping))))
        #expect(driver.model.notice?.text.contains("orders-test-12-1 is FLAPPING") == true)
    }

    @Test func aHealthEventOfTheOpenInstanceFetchesItsCheckAgain() {
        let (driver, _) = Self.openCheck()
        let hard = Self.event(.hard, .ok, .hard, attempt: "1/3", ago: 0, output: "HTTP OK: 200")
        #expect(driver.dispatch(.core(CoreEvent(sequence: 11, at: Self.now, change: .healthChanged(event: hard)))) == [.loadCheckDetail(instance: Self.instance)])
    }

    @Test func aProtectedEnvironmentAsksBeforeHoldingItsAlerts() {
        var snapshot = Self.snapshot()
        snapshot.fleet[0].environment = "prod"
        let check = CheckViewState(instance: Self.instance, service: "orders", environment: "prod")
        let model = Model(snapshot: snapshot, size: Size(width: 120, height: 40), now: Self.now)
        let picker = downtimePicker(check, model: model)
        guard case .confirm(let confirmation) = picker.entries[0].action else { Issue.record("no confirmation in prod"); return }
        #expect(confirmation.title == "Hold alerts in prod?")
        #expect(confirmation.after == .check)
        #expect(confirmation.action == .checkCommands([.scheduleDowntime(service: "orders", environment: "prod", instance: Self.instance, duration: 1800,
                                                                          flexibleWindow: nil, comment: "")], instance: Self.instance))
    }
}
