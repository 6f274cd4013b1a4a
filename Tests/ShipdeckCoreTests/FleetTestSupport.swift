import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import ShipdeckCore

/// A workspace with one service, `web`, whose images are small Python HTTP servers made by the test:
/// `GET /` answers the image tag, `GET /health` answers 200 — or 500 for an image made `healthy: false`.
struct FleetWorkspace {
    let folder: TemporaryFolder
    let config: WorkspaceConfig
    let store: any Store
    let port: Int

    init(instances: Int = 2, keepWarm: Double = 0, deployTimeout: Double = 20, fileStore: Bool = false, prodInstances: Int = 1,
         health: String = "{path: /health, interval: 1, timeout: 1, rise: 2}") throws {
        let folder = try TemporaryFolder()
        self.folder = folder
        port = try PortAllocator.freePort()
        let text = """
            name: Fleet Tests
            card_prefix: FLT
            services:
              web:
                repo: services/web
                run: python3 app.py
                port: \(port)
                health: \(health)
                instances: {test: \(instances), prod: \(prodInstances)}
                env:
                  test: {GREETING: hello-test, HEALTH_FILE: \(folder.url.path)/unhealthy}
            fleet: {gate_interval: 0.05, drain: 2, keep_warm: \(keepWarm), stop_grace: 2, deploy_timeout: \(deployTimeout)}
            environments:
              test: {protected: false, deployers: [dev, prod]}
              prod: {protected: true, deployers: [prod]}
            people:
              ana: {name: Ana Ruiz, roles: [dev]}
              ben: {name: Ben Okafor, roles: [dev, prod]}

            """
        try folder.write(text, to: "shipdeck.yml")
        let (parsed, errors) = ConfigLoader.parse(text, file: folder.url.appendingPathComponent("shipdeck.yml"))
        if !errors.isEmpty { throw ShipdeckErrors(errors) }
        config = parsed!
        store = fileStore ? try SQLiteStore.open(at: config.databaseFile) : try SQLiteStore.inMemory()
    }

    /// Records image `web:NUMBER` whose release answers with its tag, healthy or not.
    @discardableResult
    func image(_ number: Int, healthy: Bool = true) async throws -> ImageRecord {
        let directory = folder.url.appendingPathComponent("releases/\(number)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Self.app(healthy: healthy).write(to: directory.appendingPathComponent("app.py"), atomically: true, encoding: .utf8)
        let image = ImageRecord(service: "web", buildNumber: number, commit: String(repeating: "\(number % 10)", count: 40), message: "release \(number)",
                                createdAt: Date(), runtime: "process", reference: directory.path, digest: "test:\(number)")
        try await store.recordImage(image)
        return image
    }

    /// Records web:1, starts an engine (reporting to `recorder`) and deploys web:1 to test.
    func deployedEngine(recorder: (any FleetRecorder)? = nil) async throws -> FleetEngine {
        try await image(1)
        let fleet = engine()
        if let recorder { await fleet.attach(recorder) }
        await fleet.start()
        try await fleet.deploy(service: "web", environment: "test", image: "web:1", by: "ana", source: "test")
        return fleet
    }

    func engine() -> FleetEngine {
        FleetEngine(config: config, store: store, clock: SystemClock(), runtimes: [.process: ProcessRuntime()], probe: HTTPCheckClient.shared)
    }

    static func app(healthy: Bool) -> String {
        """
        import os
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        TAG = os.environ.get("SHIPDECK_IMAGE", "?")
        HEALTHY = \(healthy ? "True" : "False")

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                if self.path == "/health":
                    healthy = HEALTHY and not os.path.exists(os.environ.get("HEALTH_FILE", "/nonexistent"))
                    status, body = (200, b'{"status": "ok"}') if healthy else (500, b'{"status": "critical"}')
                elif self.path == "/env":
                    status, body = 200, os.environ.get("GREETING", "").encode()
                else:
                    status, body = 200, TAG.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args):
                print(format % args, flush=True)

        server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
        server.daemon_threads = True
        print("listening on", os.environ["PORT"], flush=True)
        server.serve_forever()

        """
    }
}

/// Sends GET / to an endpoint in a loop over keep-alive connections and counts what came back.
actor LoadGenerator {
    private(set) var ok = 0
    private(set) var failures: [String] = []
    private(set) var seen: [String: Int] = [:]
    private var running = true
    private var tasks: [Task<Void, Never>] = []

    func start(port: Int, clients: Int = 4) {
        for _ in 0..<clients {
            tasks.append(Task { await self.loop(port: port) })
        }
    }

    private func loop(port: Int) async {
        while running {
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/")
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                let body = String(buffer: try await response.body.collect(upTo: 1 << 16))
                if response.status == .ok { record(body) } else { fail("\(response.status.code) \(body)") }
            } catch {
                fail("\(error)")
            }
        }
    }

    private func record(_ tag: String) {
        ok += 1
        seen[tag, default: 0] += 1
    }

    private func fail(_ reason: String) { failures.append(reason) }

    func stop() async {
        running = false
        for task in tasks { await task.value }
    }

    /// Waits until `count` more requests succeeded.
    func waitForRequests(_ count: Int) async {
        let target = ok + count
        while ok < target && running { try? await Task.sleep(for: .milliseconds(10)) }
    }
}

/// GET `path` on the endpoint once.
func fetch(port: Int, path: String = "/") async throws -> String {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(5))
    return String(buffer: try await response.body.collect(upTo: 1 << 16))
}

/// Whether a process with `pid` still runs (zombies count as gone).
func processAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    return ProcStat.read(pid).map { !$0.isZombie } ?? false
}

/// Polls `condition` every 50 ms until it holds; records an issue naming `what` and throws when
/// `seconds` pass first.
func waitUntil(_ what: String, seconds: Double = 60, _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("timed out waiting until \(what)")
    throw CancellationError()
}
