import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import ShipdeckCore

/// Collects a job's log lines and lets a test await one.
final class RunnerLogCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [LogLine] = []
    let stream: AsyncStream<LogLine>
    private let continuation: AsyncStream<LogLine>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream(of: LogLine.self) }

    var lines: [LogLine] { lock.withLock { collected } }
    func texts(_ stream: LogLine.Stream) -> [String] { lines.filter { $0.stream == stream }.map(\.text) }

    func add(_ line: LogLine) {
        lock.withLock { collected.append(line) }
        continuation.yield(line)
    }

    /// The first line whose text starts with `prefix` (awaited, not polled).
    func first(startingWith prefix: String) async -> LogLine? {
        for await line in stream where line.text.hasPrefix(prefix) { return line }
        return nil
    }
}

enum RunnerFixtures {
    static let directory = FileManager.default.temporaryDirectory
    static let environment = ["PATH": "/usr/local/bin:/usr/bin:/bin"]

    static func spec(_ commands: [String], id: String = UUID().uuidString, environment: [String: String] = environment,
                     timeout: Duration? = nil, grace: Duration = .seconds(10), limits: LogLimits = LogLimits()) -> JobSpec {
        JobSpec(id: id, commands: commands, workingDirectory: directory, environment: environment, timeout: timeout,
                gracePeriod: grace, limits: limits)
    }

    static func run(_ spec: JobSpec, runner: JobRunner = JobRunner()) async -> (JobOutcome, RunnerLogCollector) {
        let log = RunnerLogCollector()
        let outcome = await runner.run(spec) { log.add($0) }
        return (outcome, log)
    }

    /// True when no live process is left in the group: `kill(-pgid, 0)` fails with ESRCH, or every
    /// member left is a zombie waiting for init to reap it (this sandbox's init reaps orphans late).
    static func groupIsGone(_ pgid: pid_t) -> Bool {
        if kill(-pgid, 0) == -1 && errno == ESRCH { return true }
        return ProcessSpawner.liveMembers(pgid).isEmpty
    }

    /// A job that starts background children and a subshell, prints `pid <pgid>`, and waits.
    static let family = ["sleep 1000 &", "(sleep 1000; echo never) &", "sh -c 'sleep 1000' &", "echo \"pid $$\"", "wait"]

    static func pgid(from line: LogLine?) -> pid_t? {
        line.flatMap { pid_t($0.text.dropFirst(4)) }
    }
}

@Suite("JobRunner")
struct RunnerJobTests {
    @Test func exitStatusIsReported() async {
        let (passed, _) = await RunnerFixtures.run(RunnerFixtures.spec(["true"]))
        #expect(passed.result == .exited(0))
        let (failed, _) = await RunnerFixtures.run(RunnerFixtures.spec(["exit 3"]))
        #expect(failed.result == .exited(3))
        #expect(failed.startedAt <= failed.finishedAt)
    }

    @Test func firstFailingCommandStopsTheJob() async {
        let (outcome, log) = await RunnerFixtures.run(RunnerFixtures.spec(["echo one", "false", "echo two"]))
        #expect(outcome.result == .exited(1))
        #expect(log.texts(.stdout) == ["one"])
    }

    @Test func environmentAndDirectoryReachTheJob() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        var spec = RunnerFixtures.spec(["echo \"$GREETING\"", "pwd -P", "cat - </dev/stdin | wc -c"],
                                       environment: ["PATH": "/usr/bin:/bin", "GREETING": "hello there"])
        spec.workingDirectory = folder.url
        let (outcome, log) = await RunnerFixtures.run(spec)
        #expect(outcome.result == .exited(0))
        let real = folder.url.resolvingSymlinksInPath().path
        #expect(log.texts(.stdout).map { $0.trimmingCharacters(in: .whitespaces) } == ["hello there", real, "0"])
    }

    @Test func missingDirectoryFailsToStart() async {
        var spec = RunnerFixtures.spec(["true"])
        spec.workingDirectory = URL(fileURLWithPath: "/nonexistent/shipdeck-\(UUID().uuidString)")
        let (outcome, _) = await RunnerFixtures.run(spec)
        guard case .failedToStart(let reason) = outcome.result else {
            Issue.record("expected failedToStart, got \(outcome.result)")
            return
        }
        #expect(reason.contains("/nonexistent/shipdeck-"))
    }

    @Test func explicitCancelEndsTheWholeProcessGroup() async throws {
        let runner = JobRunner()
        let log = RunnerLogCollector()
        let spec = RunnerFixtures.spec(RunnerFixtures.family, id: "cancel-me")
        async let outcome = runner.run(spec) { log.add($0) }
        let pgid = try #require(RunnerFixtures.pgid(from: await log.first(startingWith: "pid ")))
        #expect(await runner.cancel("cancel-me"))
        let result = await outcome
        #expect(result.result == .canceled)
        #expect(RunnerFixtures.groupIsGone(pgid))
        #expect(!log.texts(.stdout).contains("never"))
        #expect(await runner.runningJobIDs.isEmpty)
    }

    @Test func taskCancellationEndsTheWholeProcessGroup() async throws {
        let runner = JobRunner()
        let log = RunnerLogCollector()
        let spec = RunnerFixtures.spec(RunnerFixtures.family)
        let task = Task { await runner.run(spec) { log.add($0) } }
        let pgid = try #require(RunnerFixtures.pgid(from: await log.first(startingWith: "pid ")))
        task.cancel()
        #expect(await task.value.result == .canceled)
        #expect(RunnerFixtures.groupIsGone(pgid))
    }

    @Test func timeoutEndsTheWholeProcessGroup() async throws {
        let log = RunnerLogCollector()
        let outcome = await JobRunner().run(RunnerFixtures.spec(RunnerFixtures.family, timeout: .milliseconds(300))) { log.add($0) }
        #expect(outcome.result == .timedOut)
        let pgid = try #require(RunnerFixtures.pgid(from: log.lines.first { $0.text.hasPrefix("pid ") }))
        #expect(RunnerFixtures.groupIsGone(pgid))
        #expect(log.texts(.system).contains { $0.contains("timed out") })
    }

    @Test func aShellThatTrapsTermIsKilledAfterTheGracePeriod() async throws {
        let runner = JobRunner()
        let log = RunnerLogCollector()
        let spec = RunnerFixtures.spec(["trap 'echo got TERM' TERM", "echo \"pid $$\"", "while true; do sleep 0.05 || true; done"],
                                       id: "stubborn", grace: .milliseconds(400))
        async let outcome = runner.run(spec) { log.add($0) }
        let pgid = try #require(RunnerFixtures.pgid(from: await log.first(startingWith: "pid ")))
        let cancelledAt = ContinuousClock.now
        await runner.cancel("stubborn")
        let result = await outcome
        #expect(ContinuousClock.now - cancelledAt >= .milliseconds(400))
        #expect(result.result == .canceled)
        #expect(result.signal == SIGKILL)
        #expect(log.texts(.stdout).contains("got TERM"))
        #expect(log.texts(.system).contains { $0.contains("SIGKILL") })
        #expect(RunnerFixtures.groupIsGone(pgid))
    }

    @Test func processesLeftBehindByAFinishedShellAreStopped() async throws {
        // The subshell ignores TERM and holds stdout open: the runner must KILL it and not hang.
        let spec = RunnerFixtures.spec(["(trap '' TERM; sleep 1000) &", "echo \"pid $$\"", "exit 0"], grace: .milliseconds(200))
        let (outcome, log) = await RunnerFixtures.run(spec)
        #expect(outcome.result == .exited(0))
        let pgid = try #require(RunnerFixtures.pgid(from: log.lines.first { $0.text.hasPrefix("pid ") }))
        #expect(RunnerFixtures.groupIsGone(pgid))
        #expect(log.texts(.system).contains { $0.contains("still running") })
    }

    @Test func longLinesAreCutWithANotice() async {
        let spec = RunnerFixtures.spec(["head -c 5000 /dev/zero | tr '\\0' x", "echo", "echo short"],
                                       limits: LogLimits(maxLineBytes: 1000))
        let (outcome, log) = await RunnerFixtures.run(spec)
        #expect(outcome.result == .exited(0))
        #expect(outcome.logTruncated)
        #expect(log.texts(.stdout) == [String(repeating: "x", count: 1000) + " [line truncated: 5000 bytes]", "short"])

        // A line longer than one pipe read arrives in pieces and is cut the same way.
        let (_, pieces) = await RunnerFixtures.run(RunnerFixtures.spec(["head -c 300000 /dev/zero | tr '\\0' y", "echo"],
                                                                       limits: LogLimits(maxLineBytes: 1000)))
        #expect(pieces.texts(.stdout) == [String(repeating: "y", count: 1000) + " [line truncated: 300000 bytes]"])
    }

    @Test func theTotalLogIsBoundedWhileTheJobRunsToCompletion() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        var spec = RunnerFixtures.spec(["seq 1 100000", "echo after", "touch finished"], limits: LogLimits(maxTotalBytes: 1000))
        spec.workingDirectory = folder.url
        let (outcome, log) = await RunnerFixtures.run(spec)
        #expect(outcome.result == .exited(0))
        #expect(outcome.logTruncated)
        #expect(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("finished").path))
        let stdout = log.texts(.stdout)
        #expect(stdout.first == "1")
        #expect(stdout.reduce(0) { $0 + $1.utf8.count + 1 } <= 1000)
        #expect(!stdout.contains("after"))
        let notices = log.texts(.system)
        #expect(notices.contains { $0.hasPrefix("[log truncated: this job's log reached its limit") })
        #expect(notices.last?.hasPrefix("[log truncated: ") == true && notices.last?.contains("more lines") == true)
        #expect(log.lines.map(\.line) == Array(1...log.lines.count))
    }

    @Test func secretValuesAreMasked() async {
        let environment = ["PATH": "/usr/bin:/bin", "API_TOKEN": "t0k3n-value", "db_password": "hunter22", "SSH_KEY": "abc",
                           "PLAIN": "visible-value", "MySecretThing": "line-one\nline-two"]
        let spec = RunnerFixtures.spec(["echo \"token=$API_TOKEN pw=$db_password key=$SSH_KEY plain=$PLAIN\"",
                                        "echo \"$MySecretThing\" >&2"], environment: environment)
        let (_, log) = await RunnerFixtures.run(spec)
        #expect(log.texts(.stdout) == ["token=[REDACTED] pw=[REDACTED] key=abc plain=visible-value"])
        #expect(log.texts(.stderr) == ["[REDACTED]", "[REDACTED]"])
    }

    @Test func aSecretCutByTheLineLimitDoesNotLeakItsStart() {
        let masker = SecretMasker(values: ["supersecret"])
        let line = Array("value: supers".utf8)
        let masked = line.withUnsafeBytes { masker.mask($0, cut: true) }
        #expect(masked.map { String(decoding: $0, as: UTF8.self) } == "value: [REDACTED]")
        #expect(masker.mask("a supersecret and supersecret.") == "a [REDACTED] and [REDACTED].")
    }

    @Test func streamsAreSeparateTimestampedAndInOrder() async {
        let spec = RunnerFixtures.spec(["echo out1", "echo err1 >&2", "printf '\\033[31mred\\033[0m\\r\\n'", "echo err2 >&2",
                                        "printf 'no newline'"])
        let (outcome, log) = await RunnerFixtures.run(spec)
        #expect(outcome.result == .exited(0))
        #expect(log.texts(.stdout) == ["out1", "\u{1B}[31mred\u{1B}[0m", "no newline"])
        #expect(log.texts(.stderr) == ["err1", "err2"])
        let lines = log.lines
        #expect(lines.map(\.line) == Array(1...lines.count))
        #expect(zip(lines, lines.dropFirst()).allSatisfy { $0.at <= $1.at })
        #expect(lines.allSatisfy { $0.at >= outcome.startedAt && $0.at <= outcome.finishedAt })
    }

    @Test func logTimestampsComeFromTheInjectedClock() async {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_000_000))
        let (outcome, log) = await RunnerFixtures.run(RunnerFixtures.spec(["echo hi"]), runner: JobRunner(clock: clock))
        #expect(log.lines.map(\.at) == [Date(timeIntervalSince1970: 1_000_000)])
        #expect(outcome.startedAt == Date(timeIntervalSince1970: 1_000_000))
    }

    @Test func theJobExecutorPortRunsALaunch() async {
        let job = PlannedJob(id: "unit", label: "Unit", kind: .command(commands: ["echo hi", "exit 2"], deploy: nil))
        let launch = JobLaunch(job: job, commands: ["echo hi", "exit 2"], directory: RunnerFixtures.directory,
                               environment: RunnerFixtures.environment, timeout: nil, attempt: 1)
        let lines = RunnerLogCollector()
        let result = await JobRunner().run(launch) { stream, text in
            lines.add(LogLine(line: 0, at: Date(), stream: stream, text: text))
        }
        #expect(result == .exited(2))
        #expect(lines.texts(.stdout) == ["hi"])
    }
}
