/// A check's result state, numbered like Nagios plugin exit codes.
///
/// The order (`ok < warning < critical < unknown`) is the numeric one Nagios uses; it is not a
/// severity ranking (Nagios ranks CRITICAL above UNKNOWN when it summarises).
public enum CheckStatus: Int, Codable, Sendable, Comparable, CaseIterable {
    case ok = 0, warning = 1, critical = 2, unknown = 3

    /// Maps a plugin's exit code to a status.
    /// - Parameter exitCode: the process's exit status; 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    ///   Anything else (126 not executable, 127 missing, a signal) is UNKNOWN.
    public init(exitCode: Int32) {
        self = CheckStatus(rawValue: Int(exitCode)) ?? .unknown
    }

    /// The Nagios spelling: `OK`, `WARNING`, `CRITICAL`, `UNKNOWN`.
    public var label: String {
        switch self {
        case .ok: "OK"
        case .warning: "WARNING"
        case .critical: "CRITICAL"
        case .unknown: "UNKNOWN"
        }
    }

    public static func < (lhs: CheckStatus, rhs: CheckStatus) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Whether a state is still being confirmed by retries (SOFT) or settled (HARD); only HARD
/// changes are alert-worthy.
public enum StateType: String, Codable, Sendable {
    case soft, hard
}
