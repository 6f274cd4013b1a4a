import Foundation
import Testing
@testable import ShipdeckCore

/// These run real containers: podman with runc and images built FROM scratch around Debian's
/// busybox-static. Where podman is missing they fail and say what to install (CI installs it).
@Suite("Container runtime", .serialized)
struct ContainerRuntimeTests {
    @Test("a release without a Containerfile is refused with what to add")
    func prepareNeedsAContainerfile() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        try folder.write("hello", to: "app.txt")
        let error = await #expect(throws: ShipdeckError.self) {
            try await ContainerRuntime().prepare(service: "web", buildNumber: 1, releaseDirectory: folder.url)
        }
        #expect(error?.message.contains("no Containerfile or Dockerfile") == true)
        #expect(error?.hint?.contains("add a Containerfile") == true)
    }

    @Test("an instance answers on its published port, carries its labels, logs plain lines and reports usage; stop leaves no container")
    func instanceLifecycle() async throws {
        try ContainerFixture.requirePodman()
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let runtime = ContainerRuntime()
        let image = try await ContainerFixture.image(service: "ctest", number: 1, in: folder, runtime: runtime)
        defer { ContainerFixture.removeImage(image.reference) }
        #expect(try ContainerFixture.podman(["image", "inspect", "--format", "{{index .Labels \"shipdeck.service\"}}", image.reference]) == "ctest")

        let port = try PortAllocator.freePort()
        let logFile = folder.url.appendingPathComponent(".shipdeck/instances/ctest-test-1-1.log")
        let launch = InstanceLaunch(id: "ctest-test-1-1", service: "ctest", environment: "test", image: image, port: port, command: "unused",
                                    variables: ["PORT": String(port), "SHIPDECK_IMAGE": image.tag], logFile: logFile)
        let started = ContinuousClock.now
        let handle = try await runtime.start(launch)
        let id = try #require(handle.container)
        var stopped = false
        defer { if !stopped { _ = try? ContainerFixture.podman(["rm", "-f", id]) } }
        try await waitUntil("the instance answers /health") { (try? await fetch(port: port, path: "/health")) == "ok\n" }
        print("container start to healthy: \(ContinuousClock.now - started)")
        #expect(try await fetch(port: port) == "ctest:1\n")
        #expect(await runtime.liveness(handle) == .running)

        let labels = try JSONDecoder().decode([String: String].self,
                                              from: Data(ContainerFixture.podman(["inspect", "--format", "{{json .Config.Labels}}", id]).utf8))
        #expect(labels["shipdeck.service"] == "ctest")
        #expect(labels["shipdeck.environment"] == "test")
        #expect(labels["shipdeck.image"] == "ctest:1")
        #expect(labels["shipdeck.instance"] == "ctest-test-1-1")
        #expect(try ContainerFixture.podman(["port", id]).contains("127.0.0.1:\(port)"))

        try await waitUntil("the log file has httpd's request line") {
            ((try? String(contentsOf: logFile, encoding: .utf8)) ?? "").contains("response:200")
        }
        let (lines, _) = try #require(InstanceLogReader.read(path: logFile.path, from: 0, firstLine: 1, at: Date()))
        #expect(lines.first?.text == "starting ctest:1")
        #expect(lines.contains { $0.text.hasSuffix("response:200") })

        let usage = try #require(await runtime.usage(handle))
        #expect(usage.memoryBytes > 0)
        #expect(usage.cpuSeconds >= 0 && usage.cpuSeconds < 60)

        let stopping = ContinuousClock.now
        await runtime.stop(handle, grace: .seconds(5))
        stopped = true
        #expect(ContinuousClock.now - stopping < .seconds(4), "--init lets TERM stop busybox at once")
        #expect(try ContainerFixture.podman(["ps", "-a", "--filter", "id=\(id)", "--format", "{{.ID}}"]) == "")
        #expect(await runtime.liveness(handle) == .exited("the container is gone"))
    }

    @Test("a container that exits is reported with its status and output, and removed")
    func exitedContainerIsReportedAndRemoved() async throws {
        try ContainerFixture.requirePodman()
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let runtime = ContainerRuntime()
        let image = try await ContainerFixture.image(service: "ccrash", number: 1, in: folder, runtime: runtime,
                                                     command: "echo config missing: DATABASE_URL; exit 3")
        defer { ContainerFixture.removeImage(image.reference) }
        let port = try PortAllocator.freePort()
        let logFile = folder.url.appendingPathComponent(".shipdeck/instances/ccrash-test-1-1.log")
        let launch = InstanceLaunch(id: "ccrash-test-1-1", service: "ccrash", environment: "test", image: image, port: port, command: "unused",
                                    variables: ["PORT": String(port)], logFile: logFile)
        let handle = try await runtime.start(launch)
        var liveness = InstanceLiveness.running
        try await waitUntil("the container exits") {
            liveness = await runtime.liveness(handle)
            return liveness != .running
        }
        #expect(liveness == .exited("exited with status 3"))
        #expect(try String(contentsOf: logFile, encoding: .utf8) == "config missing: DATABASE_URL\n")
        #expect(try ContainerFixture.podman(["ps", "-a", "--filter", "id=\(try #require(handle.container))", "--format", "{{.ID}}"]) == "")
        // Starting the same instance again works (the name is free) and a missing image says so.
        var gone = launch
        gone.image.reference = "0000000000000000000000000000000000000000000000000000000000000000"
        let error = await #expect(throws: ShipdeckError.self) { try await runtime.start(gone) }
        #expect(error?.message.contains("could not start ccrash-test-1-1") == true)
    }

    @Test("a fleet with runtime: container deploys a second image through the proxy and a restarted core adopts it")
    func fleetDeploysContainers() async throws {
        try ContainerFixture.requirePodman()
        let workspace = try ContainerFleet()
        defer { workspace.folder.cleanup() }
        let first = try await workspace.image(1)
        let second = try await workspace.image(2)
        defer { for image in [first, second] { ContainerFixture.removeImage(image.reference) } }

        let fleet = workspace.engine()
        await fleet.start()
        let one = try await fleet.deploy(service: "cweb", environment: "test", image: "cweb:1", by: "ana", source: "test")
        #expect(one.outcome == .succeeded, "\(one.reason ?? "")")
        #expect(try await fetch(port: workspace.port) == "cweb:1\n")
        let two = try await fleet.deploy(service: "cweb", environment: "test", image: "cweb:2", by: "ana", source: "test")
        #expect(two.outcome == .succeeded, "\(two.reason ?? "")")
        #expect(try await fetch(port: workspace.port) == "cweb:2\n")
        let row = try #require(await fleet.rows().first { $0.service == "cweb" })
        #expect(row.image == "cweb:2")
        let active = row.instances.filter(\.active)
        #expect(active.count == 2)
        #expect(active.allSatisfy { $0.image == "cweb:2" && $0.handle.count == 12 })

        // A restart of the core: the running containers are adopted and served again.
        await fleet.shutdown(stopInstances: false)
        let again = workspace.engine()
        await again.start()
        #expect(try await fetch(port: workspace.port) == "cweb:2\n")
        let adopted = try #require(await again.rows().first { $0.service == "cweb" })
        #expect(Set(adopted.instances.filter(\.active).map(\.handle)) == Set(active.map(\.handle)))
        await again.shutdown()
        #expect(try ContainerFixture.podman(["ps", "-a", "--filter", "label=shipdeck.workspace=\(workspace.stateDirectory)",
                                             "--format", "{{.Names}}"]) == "")
    }
}

/// Images and helpers for the container tests.
enum ContainerFixture {
    static func requirePodman() throws {
        try #require(ProcessRunner.which("podman") != nil,
                     "podman is not installed: the container runtime tests need `apt-get install podman runc busybox-static` (.ci/run installs them)")
        let busybox = try #require(FileManager.default.contents(atPath: "/bin/busybox"),
                                   "/bin/busybox is missing: install Debian's busybox-static")
        try #require(!hasInterpreter(busybox), "/bin/busybox is dynamically linked and cannot run FROM scratch: install busybox-static")
    }

    /// Whether a 64-bit little-endian ELF file names a dynamic loader (a PT_INTERP program header).
    static func hasInterpreter(_ elf: Data) -> Bool {
        let bytes = [UInt8](elf.prefix(1 << 16))
        func integer(_ offset: Int, _ size: Int) -> Int {
            (0..<size).reduce(0) { $0 | Int(bytes[offset + $1]) << (8 * $1) }
        }
        guard bytes.count > 0x40, bytes[0..<4] == [0x7f, 0x45, 0x4c, 0x46] else { return false }
        let start = integer(0x20, 8), size = integer(0x36, 2), count = integer(0x38, 2)
        return (0..<count).contains { start + $0 * size + 4 <= bytes.count && integer(start + $0 * size, 4) == 3 }
    }

    /// Records image `SERVICE:NUMBER`: busybox httpd on `$PORT` serving `/health` ("ok") and `/` (the tag),
    /// built FROM scratch. `command` replaces what the container runs.
    static func image(service: String, number: Int, in folder: TemporaryFolder, runtime: ContainerRuntime,
                      command: String? = nil) async throws -> ImageRecord {
        let release = folder.url.appendingPathComponent("releases/\(service)/\(number)")
        try FileManager.default.createDirectory(at: release.appendingPathComponent("www"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: release.appendingPathComponent("busybox").path)
        try "ok\n".write(to: release.appendingPathComponent("www/health"), atomically: true, encoding: .utf8)
        try "\(service):\(number)\n".write(to: release.appendingPathComponent("www/index.html"), atomically: true, encoding: .utf8)
        let script = command ?? "echo starting $SHIPDECK_IMAGE; exec /bin/busybox httpd -f -v -p $PORT -h /www"
        let containerfile = """
            FROM scratch
            COPY busybox /bin/busybox
            COPY www /www
            CMD ["/bin/busybox", "sh", "-c", "\(script)"]

            """
        try containerfile.write(to: release.appendingPathComponent("Containerfile"), atomically: true, encoding: .utf8)
        let reference = try await runtime.prepare(service: service, buildNumber: number, releaseDirectory: release)
        return ImageRecord(service: service, buildNumber: number, commit: String(repeating: "\(number % 10)", count: 40), message: "release \(number)",
                           createdAt: Date(), runtime: "container", reference: reference, digest: "test:\(number)")
    }

    static func removeImage(_ id: String) {
        _ = try? podman(["rmi", "-f", id])
    }

    /// Runs podman and returns its trimmed output.
    @discardableResult
    static func podman(_ arguments: [String]) throws -> String {
        try ProcessRunner().run("podman", arguments, in: URL(fileURLWithPath: "/")).text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

}

/// A workspace with one service, `cweb`, on `runtime: container`, two instances in `test`.
struct ContainerFleet {
    let folder: TemporaryFolder
    let config: WorkspaceConfig
    let store: any Store
    let port: Int

    init() throws {
        folder = try TemporaryFolder()
        port = try PortAllocator.freePort()
        let text = """
            name: Container Tests
            card_prefix: CNT
            services:
              cweb:
                repo: services/cweb
                run: unused
                runtime: container
                port: \(port)
                health: {path: /health, interval: 1, timeout: 1, rise: 2}
                instances: {test: 2}
            fleet: {gate_interval: 0.1, drain: 1, keep_warm: 0, stop_grace: 2, deploy_timeout: 30}
            environments:
              test: {protected: false, deployers: [dev]}
            people:
              ana: {name: Ana Ruiz, roles: [dev]}

            """
        try folder.write(text, to: "shipdeck.yml")
        let (parsed, errors) = ConfigLoader.parse(text, file: folder.url.appendingPathComponent("shipdeck.yml"))
        if !errors.isEmpty { throw ShipdeckErrors(errors) }
        config = parsed!
        store = try SQLiteStore.inMemory()
    }

    var stateDirectory: String { ShipdeckPaths.stateDirectory(in: config.directory).path }

    @discardableResult
    func image(_ number: Int) async throws -> ImageRecord {
        let image = try await ContainerFixture.image(service: "cweb", number: number, in: folder, runtime: ContainerRuntime())
        try await store.recordImage(image)
        return image
    }

    func engine() -> FleetEngine {
        FleetEngine(config: config, store: store, clock: SystemClock(), runtimes: [.container: ContainerRuntime(cli: config.fleet.containerCLI)],
                    probe: HTTPCheckClient.shared)
    }
}
