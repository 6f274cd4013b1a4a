import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures the job runner against plain process spawning; called from the Benchmarks package.
public enum RunnerBenchmark {
    public struct Report: Sendable, CustomStringConvertible {
        /// Mean wall time of one `true` step through `JobRunner` (spawn, capture, supervise, reap).
        public var runnerStep: Duration
        /// Mean wall time of `/bin/sh -c true` through `posix_spawn` + `waitpid`, no pipes.
        public var plainStep: Duration
        public var steps: Int
        /// Lines delivered to the log callback per second for `yes | head -n N`.
        public var ingestionLinesPerSecond: Double
        public var ingestionLines: Int
        public var ingestionTime: Duration
        /// Wall time of a job printing one 1 MiB line (cut to the line limit).
        public var megabyteLine: Duration

        public var stepOverhead: Duration { runnerStep - plainStep }

        public var description: String {
            func ms(_ d: Duration) -> String { String(format: "%.3f ms", Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15) }
            return """
            job runner step (true):   \(ms(runnerStep)) mean over \(steps)
            plain sh -c true:         \(ms(plainStep)) mean over \(steps)
            per-step overhead:        \(ms(stepOverhead))
            log ingestion:            \(Int(ingestionLinesPerSecond)) lines/s (\(ingestionLines) lines in \(ms(ingestionTime)))
            one 1 MiB line:           \(ms(megabyteLine))
            """
        }
    }

    /// Runs the three measurements once.
    /// - Parameters:
    ///   - steps: how many `true` steps to time each way.
    ///   - lines: how many lines the noisy job prints.
    public static func run(steps: Int = 200, lines: Int = 2_000_000) async -> Report {
        let runner = JobRunner()
        let directory = FileManager.default.temporaryDirectory
        let environment = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? BuildEnvironment.defaultPath]
        let clock = ContinuousClock()

        func spec(_ command: String) -> JobSpec {
            JobSpec(id: "bench", commands: [command], workingDirectory: directory, environment: environment,
                    limits: LogLimits(maxTotalBytes: Int.max / 2, maxLines: Int.max / 2))
        }

        _ = await runner.run(spec("true")) { _ in }
        let runnerStart = clock.now
        for _ in 0..<steps { _ = await runner.run(spec("true")) { _ in } }
        let runnerStep = (clock.now - runnerStart) / steps

        let plainStart = clock.now
        for _ in 0..<steps {
            if let child = try? ProcessSpawner.spawn(path: "/bin/sh", arguments: ["/bin/sh", "-c", "true"], environment: environment,
                                                     directory: nil, captureOutput: false) {
                _ = ProcessSpawner.reap(child.pid)
            }
        }
        let plainStep = (clock.now - plainStart) / steps

        let counter = LineCounter()
        let ingestionStart = clock.now
        _ = await runner.run(spec("yes | head -n \(lines)")) { _ in counter.add() }
        let ingestionTime = clock.now - ingestionStart
        let seconds = Double(ingestionTime.components.seconds) + Double(ingestionTime.components.attoseconds) / 1e18

        let bigStart = clock.now
        _ = await runner.run(spec("head -c 1048576 /dev/zero | tr '\\0' x; echo")) { _ in }
        let megabyteLine = clock.now - bigStart

        return Report(runnerStep: runnerStep, plainStep: plainStep, steps: steps,
                      ingestionLinesPerSecond: Double(counter.count) / seconds, ingestionLines: counter.count,
                      ingestionTime: ingestionTime, megabyteLine: megabyteLine)
    }

    private final class LineCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func add() { lock.withLock { value += 1 } }
        var count: Int { lock.withLock { value } }
    }
}
