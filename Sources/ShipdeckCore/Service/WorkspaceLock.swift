import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Who runs the core of a workspace: written beside the lock so others can find and name it.
public struct CoreHolder: Codable, Sendable, Equatable {
    /// `serve` for `shipdeck serve`, `dashboard` for a dashboard that runs the core in-process.
    public var mode: String
    public var pid: Int32
    public var host: String
    public var startedAt: Date
    /// The local API's base URL, once it listens (`http://127.0.0.1:PORT`).
    public var api: String?

    public init(mode: String, pid: Int32 = getpid(), host: String = ProcessInfo.processInfo.hostName, startedAt: Date, api: String? = nil) {
        self.mode = mode
        self.pid = pid
        self.host = host
        self.startedAt = startedAt
        self.api = api
    }

    /// "shipdeck serve (pid 4242) at http://127.0.0.1:7070".
    public var description: String {
        "shipdeck \(mode) (pid \(pid)\(host.isEmpty ? "" : " on \(host)"))" + (api.map { " at \($0)" } ?? "")
    }
}

/// Exactly one core per workspace: an exclusive `flock` on `.shipdeck/core.lock`. The kernel drops
/// the lock when the process dies, even by `kill -9`, so the next start takes over with no cleanup.
/// `.shipdeck/core.json` names the holder for error messages and for clients looking for the API.
public final class WorkspaceLock: @unchecked Sendable {
    private let fd: Int32
    private let infoFile: URL
    private let lock = NSLock()
    private var released = false

    public static func lockFile(in workspace: URL) -> URL { ShipdeckPaths.stateDirectory(in: workspace).appendingPathComponent("core.lock") }
    public static func infoFile(in workspace: URL) -> URL { ShipdeckPaths.stateDirectory(in: workspace).appendingPathComponent("core.json") }

    private init(fd: Int32, infoFile: URL) {
        self.fd = fd
        self.infoFile = infoFile
    }

    deinit { release() }

    /// Takes the workspace's lock for `holder`.
    /// - Throws: `ShipdeckError` (.refused) naming the running core when another process holds it.
    public static func acquire(workspace: URL, holder: CoreHolder) throws -> WorkspaceLock {
        let state = ShipdeckPaths.stateDirectory(in: workspace)
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let path = lockFile(in: workspace).path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ShipdeckError(.io, "cannot open \(path): \(String(cString: strerror(errno)))", hint: "check the permissions of \(state.path)")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            let running = readHolder(workspace: workspace)
            throw ShipdeckError(.refused, "a core already runs for \(workspace.path): \(running?.description ?? "another process")",
                                hint: "attach to it with `shipdeck`, or stop it first")
        }
        let lock = WorkspaceLock(fd: fd, infoFile: infoFile(in: workspace))
        try lock.update(holder)
        return lock
    }

    /// The running core of `workspace`, or nil when none holds the lock (a stale core.json is ignored).
    public static func runningHolder(workspace: URL) -> CoreHolder? {
        let fd = open(lockFile(in: workspace).path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return nil
        }
        return readHolder(workspace: workspace)
    }

    static func readHolder(workspace: URL) -> CoreHolder? {
        guard let data = try? Data(contentsOf: infoFile(in: workspace)) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(CoreHolder.self, from: data)
    }

    /// Rewrites core.json (atomically) with `holder`, e.g. once the API listens.
    public func update(_ holder: CoreHolder) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(holder).write(to: infoFile, options: .atomic)
    }

    /// Removes core.json and drops the lock. Safe to call twice.
    public func release() {
        lock.withLock {
            guard !released else { return }
            released = true
            try? FileManager.default.removeItem(at: infoFile)
            flock(fd, LOCK_UN)
            close(fd)
        }
    }
}
