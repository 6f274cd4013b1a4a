import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing
@testable import ShipdeckCore

/// Collects what the fleet reports, as the core would receive it.
final class RecorderTwin: FleetRecorder, Sendable {
    private let events = Mutex<[HealthEvent]>([])
    func recordFleet(_ row: FleetRow) async {}
    func notice(_ text: String) async throws {}
    func recordHealth(_ event: HealthEvent) async { events.withLock { $0.append(event) } }
    func deployFinished(_ deploy: DeployRecord) async {}
    var health: [HealthEvent] { events.withLock { $0 } }
}

@Suite("Health monitor", .serialized)
struct HealthMonitorTests {
    func instance(_ fleet: FleetEngine) async -> InstanceRecord? {
        await fleet.rows().first { $0.name == "web/test" }?.instances.first { $0.active }
    }

    @Test("a passive check: heartbeats pass the deploy gate, silence past the freshness threshold is CRITICAL HARD at once, a heartbeat recovers it")
    func passiveHeartbeatsAndFreshness() async throws {
        let workspace = try FleetWorkspace(instances: 1, health: "{type: passive, freshness_threshold: 1.5, interval: 1, timeout: 1, rise: 1}")
        defer { workspace.folder.cleanup() }
        try await workspace.image(1)
        let fleet = workspace.engine()
        let recorder = RecorderTwin()
        await fleet.attach(recorder)
        await fleet.start()
        let deploy = Task { try await fleet.deploy(service: "web", environment: "test", image: "web:1", by: "ana", source: "test") }
        try await waitUntil("the new instance starts") { await fleet.rows().first { $0.name == "web/test" }?.instances.isEmpty == false }
        // Nothing passes the gate but the service's own heartbeat.
        #expect(await fleet.rows().first { $0.name == "web/test" }?.instances.first?.state == .starting)
        let applied = try await fleet.submit(service: "web", environment: "test", instance: nil, status: .ok, output: "heartbeat")
        #expect(applied.count == 1)
        #expect(try await deploy.value.outcome == .succeeded)
        #expect(await instance(fleet)?.state == .healthy)
        // Silence: CRITICAL, HARD at once (passive), out of the endpoint.
        try await waitUntil("the stale check turns CRITICAL", seconds: 10) { await instance(fleet)?.state == .unhealthy }
        let stale = try #require(await instance(fleet))
        #expect(stale.health == .critical && stale.checkType == "hard")
        #expect(stale.detail?.contains("freshness threshold") == true, "\(stale.detail ?? "")")
        #expect(await fleet.endpoint(service: "web", environment: "test")?.backends == [])
        let hard = try #require(recorder.health.first { $0.kind == .hard })
        #expect(hard.status == .critical && hard.alerts)
        _ = try await fleet.submit(service: "web", environment: "test", instance: stale.id, status: .ok, output: "back | queue=3;10;20")
        #expect(await instance(fleet)?.state == .healthy)
        let detail = try await fleet.checkDetail(instance: stale.id)
        #expect(detail.kind == "passive" && detail.status == .ok && detail.output == "back")
        #expect(detail.perfdata == [PerfDatum(label: "queue", value: 3, warn: "10", crit: "20")])
        #expect(detail.history.map(\.kind).prefix(2) == [.hard, .hard], "recovery, then the problem")
        await #expect(throws: ShipdeckError.self) { try await fleet.forceCheck(instance: stale.id) }
        await fleet.shutdown()
    }

    @Test("a downtime holds the alert of a HARD change (the history says why); cancelled, the next HARD change alerts")
    func downtimeHoldsAlerts() async throws {
        let workspace = try FleetWorkspace(instances: 1, health: "{path: /health, interval: 1, timeout: 1, rise: 1, max_check_attempts: 2, retry_interval: 0.2}")
        defer { workspace.folder.cleanup() }
        let recorder = RecorderTwin()
        let fleet = try await workspace.deployedEngine(recorder: recorder)
        let downtime = try await fleet.scheduleDowntime(service: "web", environment: "test", instance: nil, duration: 600, flexibleWindow: nil,
                                                        comment: "db migration", by: "ana")
        #expect(await instance(fleet)?.downtime == "db migration")
        let marker = workspace.folder.url.appendingPathComponent("unhealthy")
        try "down\n".write(to: marker, atomically: true, encoding: .utf8)
        try await waitUntil("the problem is HARD", seconds: 10) { await instance(fleet)?.state == .unhealthy }
        let held = try #require(recorder.health.last { $0.kind == .hard })
        #expect(held.suppressed == "downtime" && !held.alerts)
        #expect(try await workspace.store.downtimes().map(\.id) == [downtime.id])
        try await fleet.cancelDowntime(id: downtime.id)
        #expect(await instance(fleet)?.downtime == nil)
        #expect(try await workspace.store.downtimes().isEmpty)
        try FileManager.default.removeItem(at: marker)
        try await waitUntil("it recovers", seconds: 10) { await instance(fleet)?.state == .healthy }
        try "down\n".write(to: marker, atomically: true, encoding: .utf8)
        try await waitUntil("the next HARD problem", seconds: 10) { await instance(fleet)?.state == .unhealthy }
        let paged = try #require(recorder.health.last { $0.kind == .hard })
        #expect(paged.status == .critical && paged.alerts)
        let id = try #require(await instance(fleet)?.id)
        let history = try await fleet.checkDetail(instance: id).history
        #expect(history.filter { $0.kind == .hard }.map(\.suppressed) == [nil, nil, "downtime"], "problem, recovery, held problem: \(history.map { "\($0.kind) \($0.status) \($0.attempt) \($0.output)" })")
        #expect(history.contains { $0.kind == .soft && $0.attempt == "1/2" })
        #expect(history.filter { $0.kind == .downtimeStarted || $0.kind == .downtimeEnded }.map(\.kind) == [.downtimeEnded, .downtimeStarted], "\(history.map { "\($0.id) \($0.kind) \($0.output)" })")
        await fleet.shutdown()
    }

    @Test("a command check runs a Nagios plugin as is: exit code, first line, perfdata; forcing it runs it at once")
    func commandCheck() async throws {
        let script = "printf 'WEB OK - port %s answers | time=0.01s;1;2;0 size=12B\\\\n'; exit 0"
        let workspace = try FleetWorkspace(instances: 1, health: "{type: command, command: \"\(script.replacingOccurrences(of: "%s", with: "$PORT$"))\", interval: 30, timeout: 2, rise: 1}")
        defer { workspace.folder.cleanup() }
        let fleet = try await workspace.deployedEngine()
        let record = try #require(await instance(fleet))
        try await fleet.forceCheck(instance: record.id)
        let detail = try await fleet.checkDetail(instance: record.id)
        #expect(detail.kind == "command" && detail.status == .ok)
        #expect(detail.output == "WEB OK - port \(record.port) answers")
        #expect(detail.perfdata.map(\.label) == ["time", "size"])
        #expect(detail.perfHistory.first { $0.label == "time" }?.values.count == 2, "the gate's check and the forced one")
        await fleet.shutdown()
    }

    @Test("check_http and check_tcp from Debian's monitoring-plugins work unchanged", .enabled(if: FileManager.default.fileExists(atPath: "/usr/lib/nagios/plugins/check_http")))
    func debianPlugins() async throws {
        let workspace = try FleetWorkspace(instances: 1)
        defer { workspace.folder.cleanup() }
        let fleet = try await workspace.deployedEngine()
        let port = try #require(await instance(fleet)?.port)
        let plugins = PluginRunner()
        let http = await plugins.run("/usr/lib/nagios/plugins/check_http -H 127.0.0.1 -p \(port) -u /health", timeout: 5, at: Date())
        #expect(http.status == .ok, "\(http.output)")
        #expect(http.output.hasPrefix("HTTP OK"))
        #expect(Set(http.perfdata.map(\.label)) == ["time", "size"])
        let tcp = await plugins.run("/usr/lib/nagios/plugins/check_tcp -H 127.0.0.1 -p \(port)", timeout: 5, at: Date())
        #expect(tcp.status == .ok && tcp.output.hasPrefix("TCP OK"), "\(tcp.output)")
        let closed = try PortAllocator.freePort()
        let refused = await plugins.run("/usr/lib/nagios/plugins/check_tcp -H 127.0.0.1 -p \(closed)", timeout: 5, at: Date())
        #expect(refused.status == .critical, "\(refused.output)")
        await fleet.shutdown()
    }
}

@Suite("Plugins and TCP checks")
struct PluginRunnerTests {
    @Test("exit codes 0-3 are OK, WARNING, CRITICAL, UNKNOWN; the first line is the output and perfdata after | is parsed")
    func exitCodesAndPerfdata() async {
        let runner = PluginRunner()
        for (code, status) in [(0, CheckStatus.ok), (1, .warning), (2, .critical), (3, .unknown)] {
            let result = await runner.run("printf 'DISK %s - free 9%% | /=91%%;80;95;0;100\\nsecond line\\n' \(status.label); exit \(code)",
                                          timeout: 5, at: Date())
            #expect(result.status == status)
            #expect(result.output == "DISK \(status.label) - free 9%")
            #expect(result.longOutput == "second line")
            #expect(result.perfdata == [PerfDatum(label: "/", value: 91, unit: "%", warn: "80", crit: "95", min: 0, max: 100)])
        }
    }

    @Test("a missing plugin is UNKNOWN and says so; a plugin without output says that")
    func missingAndSilent() async {
        let missing = await PluginRunner().run("/nonexistent/check_nothing", timeout: 5, at: Date())
        #expect(missing.status == .unknown)
        #expect(missing.output.hasPrefix("(Return code of 127 is out of bounds - plugin may be missing)"), "\(missing.output)")
        let silent = await PluginRunner().run("exit 1", timeout: 5, at: Date())
        #expect(silent.status == .warning && silent.output == "(No output returned from plugin)")
    }

    @Test("a plugin that outlives its timeout is CRITICAL and its whole process group is killed")
    func timeoutKillsTheGroup() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let pidFile = folder.url.appendingPathComponent("child.pid").path
        let started = ContinuousClock.now
        let result = await PluginRunner().run("sleep 30 & echo $! > \(pidFile); wait", timeout: 0.5, at: Date())
        #expect(ContinuousClock.now - started < .seconds(20), "well before the plugin's 30 s")
        #expect(result.status == .critical)
        #expect(result.output == "(Service check timed out after 0.50 seconds)")
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        try await waitUntil("the plugin's child is gone", seconds: 5) { !processAlive(pid) }
    }

    @Test("macros in a command line are replaced, unknown ones left as written")
    func macros() {
        #expect(PluginRunner.expand("check_http -H $HOST$ -p $PORT$ -u $PATH$ $OTHER$", macros: ["HOST": "127.0.0.1", "PORT": "81", "PATH": "/h"])
                == "check_http -H 127.0.0.1 -p 81 -u /h $OTHER$")
    }

    @Test("a TCP check is OK with its response time as perfdata when the port accepts, CRITICAL when refused")
    func tcp() async throws {
        let listener = try PortAllocator.bindLoopback()
        defer { close(listener.descriptor) }
        #expect(listen(listener.descriptor, 8) == 0)
        let ok = await TCPCheck().check(host: "127.0.0.1", port: listener.port, timeout: 2, at: Date())
        #expect(ok.status == .ok && ok.output.hasPrefix("TCP OK - "), "\(ok.output)")
        #expect(ok.perfdata.first?.label == "time")
        let closed = try PortAllocator.freePort()
        let refused = await TCPCheck().check(host: "127.0.0.1", port: closed, timeout: 2, at: Date())
        #expect(refused.status == .critical)
        #expect(refused.output == "connect to address 127.0.0.1 and port \(closed): Connection refused")
    }
}
