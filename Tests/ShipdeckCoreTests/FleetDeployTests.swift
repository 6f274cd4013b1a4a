import Foundation
import Testing
@testable import ShipdeckCore

@Suite("Fleet deploys", .serialized)
struct FleetDeployTests {
    @Test("five deploys under load, one failing its gate, drop no request and the failed one never switches")
    func zeroDowntimeDeploysUnderLoad() async throws {
        let workspace = try FleetWorkspace(instances: 2, deployTimeout: 12)  // its failing deploy times out (the others pass well within it, even on a loaded machine)
        defer { workspace.folder.cleanup() }
        for number in 1...6 { try await workspace.image(number, healthy: number != 4) }
        let fleet = workspace.engine()
        await fleet.start()
        let first = try await fleet.deploy(service: "web", environment: "test", image: "web:1", by: "ana", source: "test")
        #expect(first.outcome == .succeeded)
        #expect(try await fetch(port: workspace.port) == "web:1")

        let load = LoadGenerator()
        await load.start(port: workspace.port)
        await load.waitForRequests(50)
        for number in 2...6 {
            let deploy = try await fleet.deploy(service: "web", environment: "test", image: "web:\(number)", by: "ana", source: "test")
            if number == 4 {
                #expect(deploy.outcome == .failed)
                #expect(deploy.reason?.contains("health gate") == true)
                #expect(await fleet.rows().first { $0.name == "web/test" }?.image == "web:3")
                await load.waitForRequests(50)
                #expect(try await fetch(port: workspace.port) == "web:3")
            } else {
                #expect(deploy.outcome == .succeeded, "\(deploy.reason ?? "")")
                #expect(deploy.switchMilliseconds.map { $0 < 50 } == true)
                await load.waitForRequests(50)
            }
        }
        await load.stop()
        #expect(await load.failures == [])
        #expect(await load.seen["web:4"] == nil)
        #expect(await load.seen.keys.sorted() == ["web:1", "web:2", "web:3", "web:5", "web:6"])
        let row = try #require(await fleet.rows().first { $0.name == "web/test" })
        #expect(row.image == "web:6")
        #expect(row.instances.filter(\.active).count == 2)
        #expect(row.instances.allSatisfy { $0.image == "web:6" })
        let history = try await fleet.history(service: "web", environment: "test")
        #expect(history.map(\.outcome) == [.succeeded, .succeeded, .failed, .succeeded, .succeeded, .succeeded])
        await fleet.shutdown()
    }

    @Test("an instance that crashes during the gate fails the deploy with its exit and last output")
    func crashDuringGateFails() async throws {
        let workspace = try FleetWorkspace(instances: 1)
        defer { workspace.folder.cleanup() }
        try await workspace.image(1)
        let broken = try await workspace.image(2)
        try "import sys\nprint('config missing: DATABASE_URL', flush=True)\nsys.exit(3)\n"
            .write(toFile: broken.reference + "/app.py", atomically: true, encoding: .utf8)
        let fleet = workspace.engine()
        await fleet.start()
        try await fleet.deploy(service: "web", environment: "test", image: "web:1", by: "ana", source: "test")
        let failed = try await fleet.deploy(service: "web", environment: "test", image: "web:2", by: "ana", source: "test")
        #expect(failed.outcome == .failed)
        #expect(failed.reason?.contains("exited with status 3") == true)
        #expect(failed.reason?.contains("config missing: DATABASE_URL") == true)
        #expect(try await fetch(port: workspace.port) == "web:1")
        await fleet.shutdown()
    }

    @Test("a cancelled deploy never switches: its group is stopped and the old one keeps serving")
    func cancelledDeployNeverSwitches() async throws {
        let workspace = try FleetWorkspace(instances: 1, deployTimeout: 60)
        defer { workspace.folder.cleanup() }
        try await workspace.image(1)
        try await workspace.image(2, healthy: false)
        let fleet = workspace.engine()
        await fleet.start()
        try await fleet.deploy(service: "web", environment: "test", image: "web:1", by: "ana", source: "test")
        let deploy = Task { try await fleet.deploy(service: "web", environment: "test", image: "web:2", by: "ana", source: "test") }
        // Wait until the new group's instance runs and fails its checks, then cancel.
        try await waitUntil("web:2's instance fails its checks", seconds: 4) {
            await fleet.rows().first { $0.name == "web/test" }?.instances.contains {
                $0.image == "web:2" && $0.health == .pending && $0.detail?.hasPrefix("warming up: HTTP CRITICAL") == true
            } ?? false
        }
        deploy.cancel()
        let record = try await deploy.value
        #expect(record.outcome == .canceled)
        #expect(try await fetch(port: workspace.port) == "web:1")
        #expect(await fleet.rows().first { $0.name == "web/test" }?.instances.map(\.image) == ["web:1"])
        await fleet.shutdown()
    }

    @Test("rollback while the old group is warm is a proxy switch; later it redeploys through the gate")
    func rollback() async throws {
        let workspace = try FleetWorkspace(instances: 1, keepWarm: 30)
        defer { workspace.folder.cleanup() }
        try await workspace.image(1)
        try await workspace.image(2)
        let fleet = workspace.engine()
        await fleet.start()
        try await fleet.deploy(service: "web", environment: "test", image: "web:1", by: "ana", source: "test")
        try await fleet.deploy(service: "web", environment: "test", image: "web:2", by: "ana", source: "test")
        #expect(try await fetch(port: workspace.port) == "web:2")
        let warm = await fleet.rows().first { $0.name == "web/test" }?.instances.filter { !$0.active }
        #expect(warm?.map(\.image) == ["web:1"])

        let quick = try await fleet.rollback(service: "web", environment: "test", by: "ana")
        #expect(quick.outcome == .succeeded)
        #expect(quick.reason?.contains("warm group") == true)
        #expect(try await fetch(port: workspace.port) == "web:1")

        // Now web:2 is the previous good image and nothing of it is warm: a full deploy.
        let full = try await fleet.rollback(service: "web", environment: "test", by: "ana")
        #expect(full.source == "rollback")
        #expect(full.image == "web:2")
        #expect(try await fetch(port: workspace.port) == "web:2")
        await fleet.shutdown()
    }

    @Test("instances get PORT and their environment's variables")
    func instanceEnvironment() async throws {
        let workspace = try FleetWorkspace(instances: 1)
        defer { workspace.folder.cleanup() }
        let fleet = try await workspace.deployedEngine()
        #expect(try await fetch(port: workspace.port, path: "/env") == "hello-test")
        let prodPort = workspace.port + 1000
        try await fleet.deploy(service: "web", environment: "prod", image: "web:1", by: "ben", source: "test")
        #expect(try await fetch(port: prodPort, path: "/env") == "")
        await fleet.shutdown()
    }

    @Test("a failing health check is SOFT and retried, HARD after max attempts (then the instance leaves its endpoint), and recovers")
    func healthSoftThenHard() async throws {
        let workspace = try FleetWorkspace(instances: 1)
        defer { workspace.folder.cleanup() }
        let fleet = try await workspace.deployedEngine()
        let marker = workspace.folder.url.appendingPathComponent("unhealthy")
        try "down\n".write(to: marker, atomically: true, encoding: .utf8)
        func instance() async -> InstanceRecord? { await fleet.rows().first { $0.name == "web/test" }?.instances.first }
        var seen: [String] = []
        for _ in 0..<200 {
            try await Task.sleep(for: .milliseconds(50))
            guard let record = await instance() else { continue }
            let text = "\(record.state.rawValue) \(record.health.rawValue) \(record.checkType ?? "") \(record.checkAttempt ?? "")"
            if seen.last != text { seen.append(text) }
            if record.state == .unhealthy { break }
        }
        // SOFT attempts while it still serves, then HARD: out of the endpoint.
        #expect(seen.contains("healthy critical soft 1/3"), "\(seen)")
        #expect(seen.contains("healthy critical soft 2/3"), "\(seen)")
        #expect(seen.last == "unhealthy critical hard 3/3", "\(seen)")
        #expect(await fleet.endpoint(service: "web", environment: "test")?.backends == [])
        try FileManager.default.removeItem(at: marker)
        try await waitUntil("the instance recovers", seconds: 10) { await instance()?.state == .healthy }
        #expect(await instance()?.checkType == "hard")
        #expect(try await fetch(port: workspace.port) == "web:1")
        await fleet.shutdown()
    }

    @Test("a one-off run uses the active image and the environment's variables, keeps its output and records its exit status")
    func oneOffRun() async throws {
        let workspace = try FleetWorkspace(instances: 1)
        defer { workspace.folder.cleanup() }
        try await workspace.image(1)
        let fleet = workspace.engine()
        await fleet.start()
        await #expect(throws: ShipdeckError.self) {
            try await fleet.runOneOff(id: "run-web-test-1", service: "web", environment: "test", command: "true", by: "ana")
        }
        try await fleet.deploy(service: "web", environment: "test", image: "web:1", by: "ana", source: "test")
        let run = try await fleet.runOneOff(id: "run-web-test-2", service: "web", environment: "test",
                                            command: "echo \"$GREETING from $SHIPDECK_IMAGE\"; ls app.py; exit 3", by: "ana")
        #expect(run.exitStatus == 3)
        #expect(run.outcome == "exited with status 3")
        let output = try await fleet.log(instance: "run-web-test-2", after: 0, limit: 100).map(\.text)
        #expect(output == ["hello-test from web:1", "app.py"])
        #expect(try await workspace.store.runs(service: "web", environment: "test", limit: 5).map(\.by) == ["ana"])
        #expect(await fleet.rows().first { $0.name == "web/test" }?.runs.first?.command.hasPrefix("echo") == true)
        await fleet.shutdown()
    }

    @Test("a restarted core adopts the active group, and a clean stop leaves no process behind")
    func adoptionAfterRestart() async throws {
        let workspace = try FleetWorkspace(instances: 2, fileStore: true)
        defer { workspace.folder.cleanup() }
        try await workspace.image(1)
        let first = workspace.engine()
        await first.start()
        try await first.deploy(service: "web", environment: "test", image: "web:1", by: "ana", source: "test")
        let pids = try await workspace.store.instances().compactMap(\.processGroup)
        #expect(pids.count == 2)
        await first.shutdown(stopInstances: false)  // as if the core were killed

        let second = workspace.engine()
        await second.start()
        #expect(try await fetch(port: workspace.port) == "web:1")
        let row = try #require(await second.rows().first { $0.name == "web/test" })
        #expect(row.instances.count == 2)
        #expect(Set(row.instances.map(\.group)).count == 1)
        #expect(try await workspace.store.instances().compactMap(\.processGroup).sorted() == pids.sorted())
        await second.shutdown()
        #expect(pids.allSatisfy { !processAlive($0) })
    }

    @Test("restarting an instance replaces it without dropping a request; stopping one drains it out of the endpoint")
    func restartAndStopInstances() async throws {
        let workspace = try FleetWorkspace(instances: 2)
        defer { workspace.folder.cleanup() }
        let fleet = try await workspace.deployedEngine()
        let load = LoadGenerator()
        await load.start(port: workspace.port)
        await load.waitForRequests(20)
        try await fleet.restart(instance: "web-test-1-1", by: "ana")
        await load.waitForRequests(20)
        var ids = await fleet.rows().first { $0.name == "web/test" }?.instances.map(\.id).sorted()
        #expect(ids == ["web-test-1-1~1", "web-test-1-2"])
        #expect(await fleet.endpoint(service: "web", environment: "test")?.backends.map(\.instanceID).sorted() == ["web-test-1-1~1", "web-test-1-2"])
        try await fleet.stop(instance: "web-test-1-2", by: "ana")
        await load.waitForRequests(20)
        await load.stop()
        #expect(await load.failures == [])
        ids = await fleet.rows().first { $0.name == "web/test" }?.instances.map(\.id)
        #expect(ids == ["web-test-1-1~1"])
        #expect(await fleet.endpoint(service: "web", environment: "test")?.backends.map(\.instanceID) == ["web-test-1-1~1"])
        await fleet.shutdown()
    }

    /// Waits until web/test's instance `id` has been restarted once and is healthy again.
    static func waitUntilRestartedOnce(_ id: String, in fleet: FleetEngine, seconds: Double) async throws {
        try await waitUntil("\(id) is restarted and healthy", seconds: seconds) {
            let row = await fleet.rows().first { $0.name == "web/test" }
            return row?.instances.first { $0.id == id }.map { $0.restarts == 1 && $0.state == .healthy } ?? false
        }
    }

    @Test("a crashed active instance leaves the endpoint and is restarted")
    func crashedInstanceRestarts() async throws {
        let workspace = try FleetWorkspace(instances: 2)
        defer { workspace.folder.cleanup() }
        let fleet = try await workspace.deployedEngine()
        let victim = try #require(try await workspace.store.instances().first)
        kill(-(victim.processGroup ?? 0), SIGKILL)
        try await Self.waitUntilRestartedOnce(victim.record.id, in: fleet, seconds: 10)
        #expect(try await fetch(port: workspace.port) == "web:1")
        await fleet.shutdown()
    }

    @Test("when an instance's shell dies, what it started is stopped with it (no orphan holding the port)")
    func crashedLeaderTakesItsGroupDown() async throws {
        let workspace = try FleetWorkspace(instances: 1)
        defer { workspace.folder.cleanup() }
        let fleet = try await workspace.deployedEngine()
        let victim = try #require(try await workspace.store.instances().first)
        let pgid = try #require(victim.processGroup)
        // The run command's shell leads the group; the Python server is its child.
        #expect(ProcessSpawner.liveMembers(pgid).count >= 2)
        kill(pgid, SIGKILL)
        try await Self.waitUntilRestartedOnce(victim.record.id, in: fleet, seconds: 15)
        #expect(RunnerFixtures.groupIsGone(pgid), "left running: \(ProcessSpawner.liveMembers(pgid))")
        await fleet.shutdown()
    }

    @Test("an endpoint whose port is taken at start says so, keeps deploying, and listens once the port is free")
    func busyEndpointPortIsRetried() async throws {
        let workspace = try FleetWorkspace(instances: 1)
        defer { workspace.folder.cleanup() }
        let holder = try Self.listen(on: workspace.port)
        var held = true
        defer { if held { close(holder) } }
        let fleet = try await workspace.deployedEngine()
        let down = try #require(await fleet.rows().first { $0.name == "web/test" })
        #expect(down.endpointError?.contains("port \(workspace.port) is in use") == true)
        #expect(down.image == "web:1", "the deploy does not need its endpoint")

        close(holder)
        held = false
        try await waitUntil("web/test listens again", seconds: 10) {
            await fleet.rows().first { $0.name == "web/test" }?.endpointError == nil
        }
        #expect(try await fetch(port: workspace.port) == "web:1")
        await fleet.shutdown()
    }

    /// A socket listening on 127.0.0.1:`port` (the caller closes it).
    private static func listen(on port: Int) throws -> Int32 {
        let fd = try PortAllocator.bindLoopback(port: port).descriptor
        guard Glibc.listen(fd, 8) == 0 else {
            close(fd)
            throw ShipdeckError(.io, "could not listen on port \(port) for the test: \(String(cString: strerror(errno)))")
        }
        return fd
    }
}

@Suite("Fleet permissions")
struct FleetPermissionTests {
    @Test("deploying and rolling back in prod needs a prod deployer; test is open to dev")
    func deployPermissions() throws {
        let workspace = try FleetWorkspace()
        defer { workspace.folder.cleanup() }
        let config = workspace.config
        #expect(throws: ShipdeckError.self) { try RolePolicy.authorize(.deploy(service: "web", environment: "prod", image: "web:1"), as: "ana", in: config) }
        #expect(throws: ShipdeckError.self) { try RolePolicy.authorize(.rollback(service: "web", environment: "prod"), as: "ana", in: config) }
        #expect(try RolePolicy.authorize(.deploy(service: "web", environment: "prod", image: "web:1"), as: "ben", in: config).handle == "ben")
        #expect(try RolePolicy.authorize(.deploy(service: "web", environment: "test", image: "web:1"), as: "ana", in: config).handle == "ana")
        do {
            _ = try RolePolicy.authorize(.deploy(service: "web", environment: "prod", image: "web:1"), as: "ana", in: config)
        } catch let error as ShipdeckError {
            #expect(error.message == "ana cannot deploy to prod: that needs the prod role")
        }
    }

    @Test("stopping a prod instance needs a prod deployer or on-call; a test instance any dev")
    func instancePermissions() throws {
        let workspace = try FleetWorkspace()
        defer { workspace.folder.cleanup() }
        #expect(throws: ShipdeckError.self) { try RolePolicy.authorize(.stopInstance(id: "web-prod-3-1"), as: "ana", in: workspace.config) }
        #expect(try RolePolicy.authorize(.stopInstance(id: "web-test-3-1"), as: "ana", in: workspace.config).handle == "ana")
        #expect(try RolePolicy.authorize(.restartInstance(id: "web-prod-3-1"), as: "ben", in: workspace.config).handle == "ben")
    }
}
