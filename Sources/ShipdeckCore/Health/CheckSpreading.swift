import Foundation

/// Spreads the first run of many checks over their interval so they do not all start at once
/// (Nagios' "smart" inter-check delay, `inter_check_delay_method=s`).
///
/// The inter-check delay is the average check interval divided by the number of checks, capped
/// so the whole spread fits in `maxSpread` (Nagios' `max_service_check_spread`); check `i` first
/// runs `i × delay` after start. The result depends only on the index, count and intervals.
public struct CheckSpreading: Sendable, Equatable {
    /// How many checks are spread.
    public let count: Int
    /// Seconds between two consecutive first checks.
    public let interCheckDelay: TimeInterval

    /// Spreads checks that share one interval.
    /// - Parameters:
    ///   - checkCount: number of checks; 0 gives a zero delay.
    ///   - interval: their check interval in seconds.
    ///   - maxSpread: the longest the spread may take (nil: no cap).
    public init(checkCount: Int, interval: TimeInterval, maxSpread: TimeInterval? = nil) {
        self.init(checkCount: checkCount, averageInterval: interval, maxSpread: maxSpread)
    }

    /// Spreads checks with different intervals over their average interval.
    /// - Parameters:
    ///   - intervals: each check's interval in seconds.
    ///   - maxSpread: the longest the spread may take (nil: no cap).
    public init(intervals: [TimeInterval], maxSpread: TimeInterval? = nil) {
        let average = intervals.isEmpty ? 0 : intervals.reduce(0, +) / Double(intervals.count)
        self.init(checkCount: intervals.count, averageInterval: average, maxSpread: maxSpread)
    }

    private init(checkCount: Int, averageInterval: TimeInterval, maxSpread: TimeInterval?) {
        count = Swift.max(0, checkCount)
        guard count > 0, averageInterval > 0 else { interCheckDelay = 0; return }
        var delay = averageInterval / Double(count)
        if let maxSpread, maxSpread >= 0, delay * Double(count) > maxSpread { delay = maxSpread / Double(count) }
        interCheckDelay = delay
    }

    /// Seconds after start at which a check first runs.
    /// - Parameter index: the check's position, 0 ..< count (taken modulo `count` otherwise).
    /// - Returns: `index × interCheckDelay`, always below the spread's length.
    public func firstCheckOffset(index: Int) -> TimeInterval {
        guard count > 0 else { return 0 }
        let position = ((index % count) + count) % count
        return Double(position) * interCheckDelay
    }
}
