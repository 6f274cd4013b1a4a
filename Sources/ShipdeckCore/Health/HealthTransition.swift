/// What one check result changed, as `CheckState.apply` reports it.
public enum HealthTransition: Equatable, Sendable, Codable {
    /// A result Nagios logs as a SOFT alert: a retry attempt of a non-OK state (`from` may equal
    /// `to` on the second and later attempts) or a soft recovery. Never notify on it.
    /// - Parameters: `attempt` is the attempt the result counted as (Nagios' `current_attempt`).
    case softChange(from: CheckStatus, to: CheckStatus, attempt: Int)
    /// A HARD state change: `from` is the previous HARD state. Alert-worthy unless the check is
    /// flapping or in downtime.
    case hardChange(from: CheckStatus, to: CheckStatus)
    /// The percent state change reached the high threshold.
    case flappingStarted(percent: Double)
    /// The percent state change fell to the low threshold (or flap detection was turned off).
    case flappingStopped(percent: Double)
}
