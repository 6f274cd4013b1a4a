/// Nagios Core 4's flap detection (`base/flapping.c`, `check_for_service_flapping`).
///
/// Nagios keeps the last 21 recorded states (`MAX_STATE_HISTORY_ENTRIES`), so 20 consecutive
/// pairs can differ. A change between sample `x - 1` and sample `x` (x = 1 oldest … 20 newest)
/// weighs `0.75 + (x - 1) × (1.25 − 0.75) / 19`: 0.75 for the oldest change, 1.25 for the newest,
/// 1.0 on average. The percent state change is `Σ weights × 100 / 20`, so 20 changes make 100 %
/// and one change at the newest position makes 6.25 %. A check starts flapping at
/// `percent ≥ high` and stops at `percent ≤ low`; in between the flag keeps its value.
public enum FlapDetector {
    /// Samples Nagios keeps.
    public static let historySize = 21
    /// Weight of the oldest change.
    public static let lowCurve = 0.75
    /// Weight of the newest change.
    public static let highCurve = 1.25

    /// The weight of a change at a position.
    /// - Parameter position: 1 (between the two oldest samples) … 20 (between the two newest).
    /// - Returns: `0.75 + (position − 1) × 0.5 / 19`.
    public static func weight(ofChangeAt position: Int) -> Double {
        lowCurve + Double(position - 1) * (highCurve - lowCurve) / Double(historySize - 2)
    }

    /// The weighted percent state change of a history.
    /// - Parameter history: recorded states, oldest first; only the last 21 count, and a shorter
    ///   history weighs its changes as if it were the newest part of a full one.
    /// - Returns: 0 … 100.
    public static func percentStateChange(_ history: [CheckStatus]) -> Double {
        let samples = history.suffix(historySize)
        let offset = historySize - samples.count
        var changes = 0.0
        for (index, pair) in zip(samples, samples.dropFirst()).enumerated() where pair.0 != pair.1 {
            changes += weight(ofChangeAt: offset + index + 1)
        }
        return changes * 100 / Double(historySize - 1)
    }

    /// The flapping flag after a new percent, with Nagios' hysteresis.
    /// - Parameters:
    ///   - wasFlapping: the flag before.
    ///   - percent: the new percent state change.
    ///   - low: the low threshold (stop at or below).
    ///   - high: the high threshold (start at or above).
    /// - Returns: the new flag.
    public static func isFlapping(wasFlapping: Bool, percent: Double, low: Double, high: Double) -> Bool {
        if percent > low && percent < high { return wasFlapping }
        return percent > low  // here percent ≥ high; the low test wins when low ≥ high, as in Nagios
    }
}
