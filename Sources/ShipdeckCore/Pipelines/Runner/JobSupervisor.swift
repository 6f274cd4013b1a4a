import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Watches one spawned job on a thread of its own: reads its output, enforces the timeout, and ends its
/// process group (SIGTERM, then SIGKILL after the grace period) on cancel, on timeout, and when the
/// shell exits leaving processes behind. The group leader stays unreaped (a zombie) until the group is
/// empty, so its id cannot be reused by another group while signals are still sent to it.
final class JobSupervisor: @unchecked Sendable {
    struct Result {
        var result: JobResult
        var signal: Int32?
        var lines: Int
        var truncated: Bool
    }

    let child: ProcessSpawner.Child
    private let control: [Int32]
    private let lock = NSLock()
    private var requestedStop: JobResult?
    private var leaderExited = false
    private var controlClosed = false

    /// How long to keep reading after the whole group is gone, for pipes held by processes that left it.
    static let drainAfterGroupExit: UInt64 = 2_000_000_000

    init(child: ProcessSpawner.Child) throws(ProcessSpawner.Failure) {
        self.child = child
        var fds: [Int32] = [-1, -1]
        guard ProcessSpawner.makePipe(&fds, nonBlocking: true) else {
            throw ProcessSpawner.Failure(description: "could not create a pipe: \(ProcessSpawner.errnoText(errno))")
        }
        control = fds
    }

    /// Asks the job to stop (`.canceled` or `.timedOut`); the first reason wins.
    func requestStop(_ reason: JobResult) {
        lock.withLock {
            if requestedStop == nil { requestedStop = reason }
            if !controlClosed { _ = write(control[1], "s", 1) }
        }
    }

    /// Starts the waiter and supervisor threads; `completion` runs once, on the supervisor thread.
    func start(spec: JobSpec, clock: any ShipdeckClock, log: @escaping @Sendable (LogLine) -> Void,
               completion: @escaping @Sendable (Result) -> Void) {
        let waiter = Thread { [self] in
            var info = siginfo_t()
            while waitid(P_PID, id_t(child.pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
            lock.withLock {
                leaderExited = true
                if !controlClosed { _ = write(control[1], "x", 1) }
            }
        }
        waiter.name = "shipdeck-job-wait"
        waiter.stackSize = 64 * 1024
        waiter.start()
        let supervisor = Thread { [self] in
            completion(supervise(spec: spec, clock: clock, log: log))
        }
        supervisor.name = "shipdeck-job-io"
        supervisor.start()
    }

    private func supervise(spec: JobSpec, clock: any ShipdeckClock, log: @Sendable (LogLine) -> Void) -> Result {
        let pgid = child.pid
        var assembler = LogAssembler(limits: spec.limits, masker: SecretMasker(rules: spec.masking, environment: spec.environment))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        var outFD = child.stdout, errFD = child.stderr
        let grace = spec.gracePeriod.runnerNanoseconds
        let deadline = spec.timeout.map { runnerMonotonicNanoseconds() + $0.runnerNanoseconds }
        var stopReason: JobResult?
        var termSentAt: UInt64?
        var killSent = false
        var exited = false
        var groupGoneAt: UInt64?
        var lastGroupCheck: UInt64 = 0
        var lastAlive = true

        func notice(_ text: String) { assembler.notice(text, at: clock.now, emit: log) }

        while true {
            let now = runnerMonotonicNanoseconds()
            let (requested, leaderGone) = lock.withLock { (requestedStop, leaderExited) }
            exited = leaderGone
            if stopReason == nil, !exited, let requested {
                stopReason = requested
                notice("[shipdeck] job cancelled: stopping its process group")
            }
            if stopReason == nil, !exited, let deadline, now >= deadline {
                stopReason = .timedOut
                notice("[shipdeck] job timed out after \(spec.timeout!): stopping its process group")
            }
            var alive = true
            if exited {
                // Re-read /proc at most every 10 ms while output is still flowing.
                if now >= lastGroupCheck + 10_000_000 {
                    lastAlive = ProcessSpawner.groupAlive(pgid)
                    lastGroupCheck = now
                }
                alive = lastAlive
            }
            if termSentAt == nil, alive, stopReason != nil || exited {
                if stopReason == nil {
                    notice("[shipdeck] the job's shell exited but processes it started are still running: stopping them")
                }
                kill(-pgid, SIGTERM)
                termSentAt = now
            }
            if let sent = termSentAt, !killSent, alive, now >= sent + grace {
                notice("[shipdeck] processes still running \(spec.gracePeriod) after SIGTERM: sending SIGKILL")
                kill(-pgid, SIGKILL)
                killSent = true
            }
            if exited && !alive {
                let gone = groupGoneAt ?? now
                groupGoneAt = gone
                if (outFD < 0 && errFD < 0) || now >= gone + Self.drainAfterGroupExit { break }
            }

            var waitNanos: UInt64? = nil
            func atMost(_ nanos: UInt64) { waitNanos = min(waitNanos ?? nanos, nanos) }
            if exited && alive { atMost(10_000_000) }
            if let gone = groupGoneAt { atMost(gone + Self.drainAfterGroupExit - min(now, gone + Self.drainAfterGroupExit)) }
            if let sent = termSentAt, !killSent { atMost(sent + grace - min(now, sent + grace)) }
            if stopReason == nil, !exited, let deadline { atMost(deadline - min(now, deadline)) }
            let timeout: Int32 = waitNanos.map { Int32(clamping: ($0 + 999_999) / 1_000_000) } ?? -1

            var fds = [pollfd(fd: control[0], events: Int16(POLLIN), revents: 0),
                       pollfd(fd: outFD, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready <= 0 { continue }
            if fds[0].revents != 0 {
                while read(control[0], buffer.baseAddress, buffer.count) > 0 {}
            }
            for (index, stream) in [(1, LogLine.Stream.stdout), (2, .stderr)] where fds[index].revents != 0 {
                let fd = fds[index].fd
                let count = read(fd, buffer.baseAddress, buffer.count)
                if count > 0 {
                    assembler.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), stream: stream, at: clock.now, emit: log)
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    close(fd)
                    if index == 1 { outFD = -1 } else { errFD = -1 }
                }
            }
        }

        if outFD >= 0 { close(outFD) }
        if errFD >= 0 { close(errFD) }
        lock.withLock {
            controlClosed = true
            close(control[0])
            close(control[1])
        }
        let status = ProcessSpawner.reap(child.pid)
        let signal: Int32? = (status & 0x7f) != 0 ? status & 0x7f : nil
        let code: Int32 = signal.map { 128 + $0 } ?? ((status >> 8) & 0xff)
        if let signal, stopReason == nil { notice("[shipdeck] the job's shell was killed by signal \(signal)") }
        assembler.finish(at: clock.now, emit: log)
        return Result(result: stopReason ?? .exited(code), signal: signal, lines: assembler.emittedLines, truncated: assembler.truncatedAny)
    }
}
