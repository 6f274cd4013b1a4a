import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs job attempts as real processes: each one is `/bin/sh -e -c SCRIPT` in a process group of its
/// own, stdin on /dev/null, its output delivered line by line (timestamped, masked, bounded).
///
/// Cancelling the calling task, `cancel(_:)`, or the spec's timeout end the whole process group:
/// SIGTERM, then SIGKILL after the grace period. Processes a finished shell leaves behind in its group
/// are stopped the same way, so no job leaves an orphan.
public actor JobRunner: JobExecutor {
    private let clock: any ShipdeckClock
    private let shell: String
    private var running: [String: JobSupervisor] = [:]

    /// - Parameters:
    ///   - clock: where log timestamps and the outcome's start and finish times come from.
    ///   - shell: the shell that runs the script with `-e -c`.
    public init(clock: any ShipdeckClock = SystemClock(), shell: String = "/bin/sh") {
        self.clock = clock
        self.shell = shell
    }

    /// Runs one job attempt to its end.
    /// - Parameters:
    ///   - spec: the commands, directory, environment and bounds of the attempt.
    ///   - log: called with each line, in order, from a thread of the runner's; must return quickly.
    /// - Returns: how the attempt ended; it never throws (a job that cannot start is `.failedToStart`).
    public func run(_ spec: JobSpec, log: @escaping @Sendable (LogLine) -> Void) async -> JobOutcome {
        let startedAt = clock.now
        if Task.isCancelled { return JobOutcome(result: .canceled, startedAt: startedAt, finishedAt: startedAt) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: spec.workingDirectory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return JobOutcome(result: .failedToStart("working directory \(spec.workingDirectory.path) does not exist"),
                              startedAt: startedAt, finishedAt: clock.now)
        }
        let supervisor: JobSupervisor
        do {
            let child = try ProcessSpawner.spawn(path: shell, arguments: [shell, "-e", "-c", spec.script],
                                                 environment: spec.environment, directory: spec.workingDirectory.path)
            do { supervisor = try JobSupervisor(child: child) } catch {
                kill(-child.pid, SIGKILL)
                _ = ProcessSpawner.reap(child.pid)
                close(child.stdout)
                close(child.stderr)
                throw error
            }
        } catch {
            let reason = (error as? ProcessSpawner.Failure)?.description ?? "\(error)"
            return JobOutcome(result: .failedToStart(reason), startedAt: startedAt, finishedAt: clock.now)
        }
        running[spec.id] = supervisor
        let clock = self.clock
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<JobSupervisor.Result, Never>) in
                supervisor.start(spec: spec, clock: clock, log: log) { continuation.resume(returning: $0) }
            }
        } onCancel: {
            supervisor.requestStop(.canceled)
        }
        if running[spec.id] === supervisor { running[spec.id] = nil }
        return JobOutcome(result: result.result, signal: result.signal, startedAt: startedAt, finishedAt: clock.now,
                          logTruncated: result.truncated, lineCount: result.lines)
    }

    /// Cancels the running job with this id; returns false when none is running.
    @discardableResult
    public func cancel(_ jobID: String) -> Bool {
        guard let supervisor = running[jobID] else { return false }
        supervisor.requestStop(.canceled)
        return true
    }

    /// Cancels every running job (when Shipdeck quits); each `run` returns once its group is gone.
    public func cancelAll() {
        for supervisor in running.values { supervisor.requestStop(.canceled) }
    }

    /// The ids of the jobs running now.
    public var runningJobIDs: [String] { running.keys.sorted() }

    /// `JobExecutor`: runs a planned job's attempt with default log limits and secret masking.
    public func run(_ launch: JobLaunch, log: @escaping @Sendable (LogLine.Stream, String) -> Void) async -> JobResult {
        var spec = JobSpec(id: "\(launch.job.id)#\(launch.attempt)", commands: launch.commands, workingDirectory: launch.directory,
                           environment: launch.environment, timeout: launch.timeout)
        spec.gracePeriod = launch.gracePeriod
        return await run(spec) { log($0.stream, $0.text) }.result
    }
}
