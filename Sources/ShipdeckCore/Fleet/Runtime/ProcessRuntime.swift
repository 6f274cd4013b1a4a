import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The default runtime, nothing to install: an image is a release directory, and each instance is a
/// child process in its own process group, started with the service's run command in that directory,
/// its environment's variables and `PORT`; stdout and stderr are appended to the instance's log file
/// (a file, not a pipe, so an instance outlives a crash of the core and is adopted by the next one).
public struct ProcessRuntime: InstanceRuntime {
    public init() {}

    public var kind: RuntimeKind { .process }

    public func prepare(service: String, buildNumber: Int, releaseDirectory: URL) async throws -> String {
        releaseDirectory.path
    }

    public func start(_ launch: InstanceLaunch) async throws -> InstanceHandle {
        let directory = launch.image.reference
        guard FileManager.default.fileExists(atPath: directory) else {
            throw ShipdeckError(.notFound, "image \(launch.image.tag) has no release directory at \(directory)",
                                hint: "deploy another image, or rebuild the service to make a new one")
        }
        try FileManager.default.createDirectory(at: launch.logFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        var environment = ProcessInfo.processInfo.environment.filter { Self.inherited.contains($0.key) }
        environment.merge(launch.variables) { $1 }
        let script = "exec >>\(Self.quote(launch.logFile.path)) 2>&1\n\(launch.command)"
        let child: ProcessSpawner.Child
        do {
            child = try ProcessSpawner.spawn(path: "/bin/sh", arguments: ["/bin/sh", "-c", script], environment: environment,
                                             directory: directory, captureOutput: false)
        } catch {
            throw ShipdeckError(.io, "could not start \(launch.id): \(error.description)", hint: "check the service's run: command")
        }
        return InstanceHandle(processGroup: child.pid, processStart: ProcStat.read(child.pid)?.startTime)
    }

    public func liveness(_ handle: InstanceHandle) async -> InstanceLiveness {
        guard let pid = handle.processGroup else { return .exited("no process") }
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        if reaped == pid {
            // The instance is its process group: when the leader (the run command's shell) dies, what
            // it started is stopped too, or it would run on unseen, holding the instance's port.
            if ProcessSpawner.groupAlive(pid) { await stop(handle, grace: Self.leftoverGrace) }
            return .exited(Self.describe(status))
        }
        if reaped == 0 { return .running }
        // Not our child (adopted after a restart): alive when /proc still shows the same process.
        guard let stat = ProcStat.read(pid), !stat.isZombie, handle.processStart == nil || stat.startTime == handle.processStart else {
            return .exited("the process is gone")
        }
        return .running
    }

    public func stop(_ handle: InstanceHandle, grace: Duration) async {
        guard let pgid = handle.processGroup, handle.processStart == nil || ProcStat.read(pgid)?.startTime == handle.processStart
                || ProcessSpawner.groupAlive(pgid) else { return }
        kill(-pgid, SIGTERM)
        kill(-pgid, SIGCONT)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            _ = waitpid(pgid, &status, WNOHANG)
            if !ProcessSpawner.groupAlive(pgid) { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
        kill(-pgid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pgid, &status, 0)
    }

    public func usage(_ handle: InstanceHandle) async -> ResourceUsage? {
        guard let pgid = handle.processGroup else { return nil }
        var ticks: UInt64 = 0
        var pages: Int64 = 0
        var found = false
        for pid in ProcessSpawner.liveMembers(pgid) {
            guard let stat = ProcStat.read(pid) else { continue }
            ticks += stat.cpuTicks
            pages += stat.residentPages
            found = true
        }
        guard found else { return nil }
        let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ResourceUsage(cpuSeconds: Double(ticks) / max(hertz, 1), memoryBytes: pages * Int64(sysconf(Int32(_SC_PAGESIZE))))
    }

    /// How long what is left of a crashed instance's process group gets between TERM and KILL.
    static let leftoverGrace = Duration.seconds(2)

    /// Variables an instance inherits from the core; everything else comes from its config (12-factor).
    static let inherited: Set<String> = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "USER", "LOGNAME", "TMPDIR"]

    static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "exited with status \((status >> 8) & 0xff)" }
        return "killed by signal \(signal)"
    }
}

/// The fields of `/proc/PID/stat` the fleet reads.
struct ProcStat {
    var state: Character
    var processGroup: Int32
    var cpuTicks: UInt64
    var startTime: UInt64
    var residentPages: Int64

    var isZombie: Bool { state == "Z" || state == "X" }

    static func read(_ pid: Int32) -> ProcStat? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After "pid (comm) ": field 3 state, 4 ppid, 5 pgrp, … 14 utime, 15 stime, … 22 starttime, 23 vsize, 24 rss.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count >= 22, let state = fields[0].first, let group = Int32(fields[2]),
              let user = UInt64(fields[11]), let system = UInt64(fields[12]), let start = UInt64(fields[19]),
              let rss = Int64(fields[21]) else { return nil }
        return ProcStat(state: state, processGroup: group, cpuTicks: user + system, startTime: start, residentPages: rss)
    }
}
