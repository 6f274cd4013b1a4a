import Foundation

/// One check's outcome, active (run by Shipdeck) or passive (sent in by a service).
public struct CheckResult: Codable, Sendable, Equatable {
    public var status: CheckStatus
    /// The first line of output, without perfdata.
    public var output: String
    /// Further lines of output, `\n`-joined; empty when there are none.
    public var longOutput: String
    public var perfdata: [PerfDatum]
    /// Seconds the check took.
    public var duration: TimeInterval
    /// When the check ran.
    public var at: Date
    /// A passive result counts as HARD at once.
    public var passive: Bool

    /// Creates a result.
    public init(status: CheckStatus, output: String = "", longOutput: String = "", perfdata: [PerfDatum] = [],
                duration: TimeInterval = 0, at: Date, passive: Bool = false) {
        self.status = status
        self.output = output
        self.longOutput = longOutput
        self.perfdata = perfdata
        self.duration = duration
        self.at = at
        self.passive = passive
    }

    /// Builds the result of a Nagios plugin run.
    /// - Parameters:
    ///   - exitCode: the plugin's exit status (see `CheckStatus.init(exitCode:)`).
    ///   - stdout: the plugin's standard output, parsed with `PluginOutput`.
    ///   - duration: seconds the plugin ran.
    ///   - at: when it started.
    ///   - passive: true when a service reported this result itself.
    public init(exitCode: Int32, stdout: String, duration: TimeInterval, at: Date, passive: Bool = false) {
        let parsed = PluginOutput(parsing: stdout)
        self.init(status: CheckStatus(exitCode: exitCode), output: parsed.output, longOutput: parsed.longOutput,
                  perfdata: parsed.perfdata, duration: duration, at: at, passive: passive)
    }
}
