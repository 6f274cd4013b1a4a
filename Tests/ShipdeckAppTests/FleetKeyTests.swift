import Foundation
import Testing
import ShipdeckCore
@testable import ShipdeckApp
import TerminalUI

/// The Fleet pane as the on-call developer uses it: read the traffic, open a service, look at an
/// instance's output, deploy an image by picking it, roll back, restart and stop instances.
@Suite struct FleetKeyTests {
    static func snapshot() -> WorkspaceSnapshot {
        var snapshot = Fixtures.snapshot()
        let now = Fixtures.now
        let images = [
            ImageRecord(service: "orders", buildNumber: 8, commit: "8888888aaaa", message: "SHP-3 keys", createdAt: now, runtime: "process", reference: "/r/8", digest: "d8"),
            ImageRecord(service: "orders", buildNumber: 7, commit: "7777777bbbb", message: "SHP-7 status", createdAt: now.addingTimeInterval(-3600), runtime: "process", reference: "/r/7", digest: "d7"),
        ]
        let instances = [
            InstanceRecord(id: "orders-test-12-1", state: .healthy, health: .ok, port: 41001, startedAt: now.addingTimeInterval(-90), image: "orders:8",
                           group: 12, active: true, restarts: 1, cpuPercent: 2.5, memoryBytes: 24 << 20, handle: "pid 4242"),
            InstanceRecord(id: "orders-test-11-1", state: .draining, health: .ok, port: 41000, startedAt: now.addingTimeInterval(-900), image: "orders:7",
                           group: 11, active: false, handle: "pid 4100", detail: "warm for a quick rollback"),
        ]
        let history = [
            DeployRecord(id: 12, service: "orders", environment: "test", image: "orders:8", by: "ana", source: "pipeline", build: "orders#8",
                         startedAt: now.addingTimeInterval(-95), finishedAt: now.addingTimeInterval(-90), outcome: .succeeded, reason: "1 instance healthy; switched in 0.05 ms"),
            DeployRecord(id: 11, service: "orders", environment: "test", image: "orders:7", by: "ben", source: "cli",
                         startedAt: now.addingTimeInterval(-905), finishedAt: now.addingTimeInterval(-900), outcome: .succeeded),
        ]
        snapshot.fleet[0] = FleetRow(service: "orders", environment: "test", port: 8100, desiredInstances: 1, image: "orders:8", instances: instances,
                                     traffic: TrafficStats(requestsPerSecond: 123.4, errorRate: 0.02, p50: 0.0012, p99: 0.0451, inFlight: 3),
                                     history: history, images: images)
        return snapshot
    }

    @Test func paneShowsTrafficAndImage() {
        let (_, backend) = Fixtures.driver(width: 120, height: 30, snapshot: Self.snapshot())
        let row = backend.screen.lines.first { $0.contains("orders") && $0.contains("test") && $0.contains("1/1") }
        #expect(row?.contains("123.4") == true, "\(row ?? backend.screen.lines.joined(separator: "\n"))")
        #expect(row?.contains("2.0%") == true)
        #expect(row?.contains("45ms") == true)
        #expect(row?.contains("orders:8") == true)
    }

    @Test func detailListsInstancesAndEnterShowsTheSelectedOnesOutput() {
        let (driver, backend) = Fixtures.driver(width: 180, height: 40, snapshot: Self.snapshot())
        driver.type("33")  // Fleet focused (full screen, then back to the overview)
        driver.press(.enter)
        #expect(backend.screen.contains("orders in test"))
        #expect(backend.screen.contains("orders-test-12-1"))
        #expect(backend.screen.contains("warm for a quick rollback"))
        #expect(backend.screen.contains("switched in 0.05 ms"))
        driver.type("j")
        #expect(driver.model.selectedInstance?.id == "orders-test-11-1")
        let effects = driver.press(.enter)
        #expect(effects == [.loadInstanceLog(id: "orders-test-11-1", after: 0)])
        _ = driver.dispatch(.instanceLogLoaded(id: "orders-test-11-1", lines: [LogLine(line: 1, at: Fixtures.now, stream: .stdout, text: "orders listening on 127.0.0.1:41000")]))
        driver.render()
        #expect(backend.screen.contains("orders-test-11-1 · output"))
        #expect(backend.screen.contains("orders listening on 127.0.0.1:41000"))
        driver.press(.escape)
        #expect(driver.model.mode == .detail)
    }

    @Test func deployPicksAnImageAndAsksBeforeDeploying() {
        let (driver, backend) = Fixtures.driver(width: 120, height: 30, snapshot: Self.snapshot())
        driver.type("33")
        driver.type("D")
        #expect(backend.screen.contains("Deploy orders to test — choose an image"))
        #expect(backend.screen.contains("orders:7"))
        driver.type("j")
        driver.press(.enter)
        #expect(backend.screen.contains("Deploy orders:7 to test?"))
        let effects = driver.type("y")
        #expect(effects == [.perform(.deploy(service: "orders", environment: "test", image: "orders:7"))])
    }

    @Test func rollbackConfirmsAndSaysTheWarmGroupSwitchesBack() {
        let (driver, backend) = Fixtures.driver(width: 120, height: 30, snapshot: Self.snapshot())
        driver.type("33")
        driver.type("R")
        #expect(backend.screen.contains("Roll back orders/test?"))
        #expect(backend.screen.contains("switches back at once"))
        #expect(driver.type("y") == [.perform(.rollback(service: "orders", environment: "test"))])
    }

    @Test func restartAndStopActOnTheSelectedInstance() {
        let (driver, backend) = Fixtures.driver(width: 140, height: 40, snapshot: Self.snapshot())
        driver.type("33")
        #expect(driver.type("s") == [], "no instance is selected outside a service's detail")
        driver.press(.enter)
        #expect(driver.type("s") == [.perform(.restartInstance(id: "orders-test-12-1"))])
        driver.press(.escape)
        driver.press(.enter)
        driver.type("x")
        #expect(backend.screen.contains("Stop orders-test-12-1?"))
        #expect(driver.type("y") == [.perform(.stopInstance(id: "orders-test-12-1"))])
    }
}
