import Foundation

/// How one check is scheduled and judged (Nagios' `check_interval`, `retry_interval`,
/// `max_check_attempts`, `low_flap_threshold`, `high_flap_threshold`, `flap_detection_enabled`).
public struct CheckPolicy: Codable, Sendable, Equatable {
    /// Seconds between checks while the state is OK or HARD.
    public var checkInterval: TimeInterval
    /// Seconds between retries while the state is SOFT non-OK.
    public var retryInterval: TimeInterval
    /// Consecutive non-OK results before a state turns HARD; 1 makes every change HARD.
    public var maxCheckAttempts: Int
    /// Percent state change at or below which a flapping check stops flapping.
    public var flapLowThreshold: Double
    /// Percent state change at or above which a check starts flapping.
    public var flapHighThreshold: Double
    /// Whether flap detection may set the flapping flag (the percent is computed regardless).
    public var flapDetection: Bool

    /// Creates a policy.
    /// - Parameters:
    ///   - checkInterval: seconds between regular checks.
    ///   - retryInterval: seconds between retries of a SOFT problem.
    ///   - maxCheckAttempts: attempts before HARD; values below 1 count as 1.
    ///   - flapLowThreshold: Nagios' default 20 (%).
    ///   - flapHighThreshold: Nagios' default 30 (%).
    ///   - flapDetection: on by default.
    public init(checkInterval: TimeInterval = 10, retryInterval: TimeInterval = 5, maxCheckAttempts: Int = 3,
                flapLowThreshold: Double = 20, flapHighThreshold: Double = 30, flapDetection: Bool = true) {
        self.checkInterval = checkInterval
        self.retryInterval = retryInterval
        self.maxCheckAttempts = max(1, maxCheckAttempts)
        self.flapLowThreshold = flapLowThreshold
        self.flapHighThreshold = flapHighThreshold
        self.flapDetection = flapDetection
    }
}
