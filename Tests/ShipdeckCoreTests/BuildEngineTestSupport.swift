import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import ShipdeckCore

/// A workspace in a temporary folder with one service, `app`, whose repository is a real git repo
/// holding the pipeline under test. `{{scratch}}` in a pipeline becomes a folder outside the build's
/// checkout where jobs leave marks for the test to read.
struct EngineWorkspace {
    let folder: TemporaryFolder
    let config: WorkspaceConfig
    var repo: URL { folder.url.appendingPathComponent("services/app") }
    var scratch: URL { folder.url.appendingPathComponent("scratch") }

    static let defaultAgents = ["{tags: {queue: default}, count: 2}"]

    init(pipeline: String, agents: [String] = defaultAgents) throws {
        folder = try TemporaryFolder()
        let text = ([
            "name: Engine Tests",
            "card_prefix: ENG",
            "services:",
            "  app: {repo: services/app, run: python3 app.py, port: 8100}",
            "pipelines:",
            "  poll_interval: 0",
            "  agents:",
        ] + agents.map { "    - \($0)" } + [
            "environments:",
            "  test: {protected: false, deployers: [dev, prod]}",
            "  prod: {protected: true, deployers: [prod]}",
            "people:",
            "  ana: {name: Ana Ruiz, roles: [dev]}",
            "  ben: {name: Ben Okafor, roles: [dev, prod]}",
        ]).joined(separator: "\n") + "\n"
        try folder.write(text, to: "shipdeck.yml")
        let (parsed, errors) = ConfigLoader.parse(text, file: folder.url.appendingPathComponent("shipdeck.yml"))
        if !errors.isEmpty { throw ShipdeckErrors(errors) }
        config = parsed!
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        try DemoGit(folder: repo).run(["-c", "init.defaultBranch=main", "init", "-q"])
        try commit(["README.md": "checked out at the build's commit\n", ".buildkite/pipeline.yml": pipeline], message: "Add pipeline")
    }

    /// Commits `files` (paths relative to the repo; `{{scratch}}` replaced) and returns the new head.
    @discardableResult
    func commit(_ files: [String: String], message: String) throws -> String {
        for (path, text) in files {
            let file = repo.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.replacingOccurrences(of: "{{scratch}}", with: scratch.path).write(to: file, atomically: true, encoding: .utf8)
        }
        try DemoGit(folder: repo).commit(message, at: Date())
        return try ProcessRunner().run("git", ["rev-parse", "HEAD"], in: repo).text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func scratchText(_ name: String) -> String? {
        try? String(contentsOf: scratch.appendingPathComponent(name), encoding: .utf8)
    }

    /// Opens a core over `store` with the real pipeline source, job runner and git, starts its engines,
    /// runs `body`, then stops the engines and removes the folder (also when `body` throws).
    func run(store: (any Store)? = nil, clock: any ShipdeckClock = SystemClock(),
             _ body: (WorkspaceCore) async throws -> Void) async throws {
        let core = try await WorkspaceCore.open(config: config, store: try store ?? SQLiteStore.inMemory(), clock: clock)
        await core.startEngines()
        do { try await body(core) } catch {
            await core.stopEngines()
            folder.cleanup()
            throw error
        }
        await core.stopEngines()
        folder.cleanup()
    }
}

struct BuildWaitTimedOut: Error, CustomStringConvertible {
    var description: String
}

extension WorkspaceCore {
    /// Follows the core's event stream until build `number` of `service` satisfies `condition`, and
    /// returns it; throws when `timeout` passes first (saying where the build got to).
    func awaitBuild(_ service: String = "app", _ number: Int = 1, within timeout: Duration = .seconds(60),
                    until condition: @escaping @Sendable (BuildRecord) -> Bool) async throws -> BuildRecord {
        let stream = await events()
        let found = try await withThrowingTaskGroup(of: BuildRecord?.self) { group in
            group.addTask {
                for await event in stream {
                    let build: BuildRecord?
                    switch event.change {
                    case .snapshot(let state):
                        build = state.pipelines.first { $0.service == service }?.builds.first { $0.number == number }
                    case .buildUpdated(let updated):
                        build = updated.service == service && updated.number == number ? updated : nil
                    default:
                        build = nil
                    }
                    if let build, condition(build) { return build }
                }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if let found { return found }
        let last = try await store.build(service: service, number: number)?.record
        throw BuildWaitTimedOut(description: "\(service)#\(number) did not get there within \(timeout); last seen: "
                                + (last.map { "\($0.state) \($0.jobs.map { "\($0.id)=\($0.state)" }) \($0.error ?? "")" } ?? "no such build"))
    }

    /// Waits until the build has finished (passed, failed or canceled).
    func awaitFinished(_ service: String = "app", _ number: Int = 1) async throws -> BuildRecord {
        try await awaitBuild(service, number) { $0.state.isFinished }
    }

    /// The texts of one job attempt's stored log lines of `stream`.
    func logTexts(_ job: String, attempt: Int? = nil, stream: LogLine.Stream? = nil, number: Int = 1) async throws -> [String] {
        try await log(service: "app", number: number, job: job, attempt: attempt, after: 0, limit: 1000)
            .filter { stream == nil || $0.stream == stream }.map(\.text)
    }
}

extension BuildRecord {
    func job(_ id: String) -> JobRecord? { jobs.first { $0.id == id } }
}

enum EngineFixtures {
    /// Reads what a job writes into the FIFO at `path`. Opening blocks on a thread of its own until the
    /// job opens the FIFO to write, so the test awaits the job instead of polling for a file; after
    /// `timeout` the FIFO is opened for writing here, which releases the reader with nothing.
    static func readFIFO(_ path: String, within timeout: TimeInterval = 60) async -> String {
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            let fd = open(path, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { close(fd) }
        }
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var bytes: [UInt8] = []
                let fd = open(path, O_RDONLY)
                if fd >= 0 {
                    var buffer = [UInt8](repeating: 0, count: 256)
                    while true {
                        let count = read(fd, &buffer, buffer.count)
                        if count <= 0 { break }
                        bytes += buffer[0..<count]
                    }
                    close(fd)
                }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }
        }
    }

    /// `start NAME TIME` / `end NAME TIME` lines a job appended, in file order.
    static func marks(_ text: String) -> [(kind: String, job: String, at: Double)] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ").map(String.init)
            guard parts.count == 3, let at = Double(parts[2]) else { return nil }
            return (parts[0], parts[1], at)
        }
    }
}

