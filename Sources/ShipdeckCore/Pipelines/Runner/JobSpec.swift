import Foundation

/// One job attempt as the runner sees it: a script, where and with what it runs, and its bounds.
public struct JobSpec: Sendable, Equatable {
    /// Identifies the attempt for `JobRunner.cancel(_:)`; unique among the jobs running at once.
    public var id: String
    /// Shell commands, run in order as one `/bin/sh -e -c` script: the first failure stops the job.
    public var commands: [String]
    public var workingDirectory: URL
    /// The job's whole environment, already merged (see `BuildEnvironment.variables`).
    public var environment: [String: String]
    /// Wall-clock limit; nil runs until the job ends or is cancelled.
    public var timeout: Duration?
    /// Between SIGTERM and SIGKILL when a job is cancelled, times out or leaves processes behind.
    public var gracePeriod: Duration
    public var masking: SecretMaskingRules
    public var limits: LogLimits

    public init(id: String, commands: [String], workingDirectory: URL, environment: [String: String], timeout: Duration? = nil,
                gracePeriod: Duration = .seconds(10), masking: SecretMaskingRules = SecretMaskingRules(), limits: LogLimits = LogLimits()) {
        self.id = id
        self.commands = commands
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.timeout = timeout
        self.gracePeriod = gracePeriod
        self.masking = masking
        self.limits = limits
    }

    /// The script handed to `/bin/sh -e -c`: the commands, one per line.
    public var script: String { commands.joined(separator: "\n") }
}

/// Bounds on what one job attempt may log.
public struct LogLimits: Sendable, Equatable {
    /// Longer lines keep their first `maxLineBytes` bytes and get a `[line truncated: N bytes]` notice.
    public var maxLineBytes: Int
    /// Once the log holds this many bytes (or `maxLines` lines), the rest is dropped with a notice.
    public var maxTotalBytes: Int
    public var maxLines: Int

    public init(maxLineBytes: Int = 64 * 1024, maxTotalBytes: Int = 50 * 1024 * 1024, maxLines: Int = 1_000_000) {
        self.maxLineBytes = max(1, maxLineBytes)
        self.maxTotalBytes = max(1, maxTotalBytes)
        self.maxLines = max(1, maxLines)
    }
}

/// Which environment values are secrets: values (at least `minimumValueLength` long) of variables whose
/// names contain one of `nameMarkers` (case-insensitive), plus `extraValues`.
public struct SecretMaskingRules: Sendable, Equatable {
    public var nameMarkers: [String]
    public var minimumValueLength: Int
    public var extraValues: [String]

    public init(nameMarkers: [String] = ["SECRET", "TOKEN", "PASSWORD", "KEY"], minimumValueLength: Int = 4, extraValues: [String] = []) {
        self.nameMarkers = nameMarkers
        self.minimumValueLength = minimumValueLength
        self.extraValues = extraValues
    }

    /// Variables Shipdeck sets itself whose names contain a marker but whose values are not secret.
    public static let notSecret: Set<String> = ["BUILDKITE_STEP_KEY", "SHIPDECK_STEP_KEY"]

    /// Whether a variable with this name holds a secret.
    public func isSecret(name: String) -> Bool {
        let upper = name.uppercased()
        if Self.notSecret.contains(upper) { return false }
        return nameMarkers.contains { upper.contains($0.uppercased()) }
    }

    /// The secret values of `environment`, to mask in logs.
    public func secrets(in environment: [String: String]) -> [String] {
        let values = environment.filter { isSecret(name: $0.key) }.map(\.value) + extraValues
        return values.filter { $0.count >= minimumValueLength }
    }
}

/// How one job attempt ended, and when it ran.
public struct JobOutcome: Sendable, Equatable {
    /// `.exited(status)`; a shell killed by a signal reports `128 + signal` like a shell would.
    public var result: JobResult
    /// The signal that ended the job's shell, if one did.
    public var signal: Int32?
    public var startedAt: Date
    public var finishedAt: Date
    /// Whether any output was cut (a long line, or the total log bound).
    public var logTruncated: Bool
    /// Lines delivered to the log callback, notices included.
    public var lineCount: Int

    public init(result: JobResult, signal: Int32? = nil, startedAt: Date, finishedAt: Date, logTruncated: Bool = false, lineCount: Int = 0) {
        self.result = result
        self.signal = signal
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.logTruncated = logTruncated
        self.lineCount = lineCount
    }

    /// The exit status, when the job ran to its end.
    public var exitStatus: Int32? {
        if case .exited(let status) = result { return status }
        return nil
    }
}
