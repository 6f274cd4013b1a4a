import Foundation

/// One check's Nagios state: what `handle_async_service_check_result` (Nagios Core 4,
/// `base/checks.c`) keeps per service, as a value the owning engine mutates.
public struct CheckState: Codable, Sendable, Equatable {
    /// The last result's status (OK before the first check, as Nagios' default initial state).
    public private(set) var status: CheckStatus = .ok
    public private(set) var stateType: StateType = .hard
    /// 1 while OK; counts non-OK results up to `maxAttempts`, where the state turns HARD.
    public private(set) var currentAttempt = 1
    public private(set) var maxAttempts: Int
    /// The last HARD state (Nagios' `last_hard_state`).
    public private(set) var lastHardStatus: CheckStatus = .ok
    /// When a result was last applied; nil before the first.
    public private(set) var lastCheck: Date?
    public private(set) var lastStateChange: Date?
    public private(set) var lastHardStateChange: Date?
    public private(set) var lastOutput = ""
    public private(set) var lastLongOutput = ""
    public private(set) var lastPerfdata: [PerfDatum] = []
    public private(set) var lastDuration: TimeInterval = 0
    /// The last 21 recorded states, oldest first (HARD states and recoveries; SOFT problems are
    /// not recorded, as in Nagios). Starts as 21 copies of OK, as Nagios initialises it.
    public private(set) var stateHistory = Array(repeating: CheckStatus.ok, count: FlapDetector.historySize)
    public private(set) var percentStateChange = 0.0
    /// While true, callers suppress alerts for HARD changes; the state still updates.
    public private(set) var isFlapping = false

    /// A check that has not run yet.
    /// - Parameter policy: supplies `maxAttempts` until the first `apply`.
    public init(policy: CheckPolicy = CheckPolicy()) {
        maxAttempts = max(1, policy.maxCheckAttempts)
    }

    /// Whether the state is a non-OK one still being retried.
    public var isSoftProblem: Bool { stateType == .soft && status != .ok }

    /// Whether the deploy gate may pass: checked at least once, OK, not flapping.
    public var isSettledOK: Bool { lastCheck != nil && status == .ok && !isFlapping }

    /// Seconds until the next active check.
    /// - Parameter policy: the check's policy.
    /// - Returns: `retryInterval` while SOFT non-OK, else `checkInterval`.
    public func nextCheckDelay(policy: CheckPolicy) -> TimeInterval {
        isSoftProblem ? policy.retryInterval : policy.checkInterval
    }

    /// Applies one result with Nagios' service-check logic.
    ///
    /// A non-OK result after OK is SOFT attempt 1; each further non-OK result is the next attempt;
    /// at `maxCheckAttempts` the state turns HARD. Once HARD, changes between non-OK states stay
    /// HARD. OK after a SOFT problem is a soft recovery; OK after a HARD problem is a HARD
    /// recovery. A passive result is HARD at once. Then the state is recorded for flap detection
    /// (unless it is a SOFT problem) and the flapping flag is updated.
    /// - Parameters:
    ///   - result: the check's outcome.
    ///   - policy: attempts, thresholds and flap detection switch.
    ///   - date: when the result is processed; `result.at` when nil.
    /// - Returns: what changed, state changes first, then flapping; empty when nothing did.
    ///   Read `isFlapping` afterwards to decide whether a `.hardChange` may alert.
    @discardableResult
    public mutating func apply(_ result: CheckResult, policy: CheckPolicy, at date: Date? = nil) -> [HealthTransition] {
        let now = date ?? result.at
        let previous = status
        maxAttempts = max(1, policy.maxCheckAttempts)
        // A HARD problem stays HARD whatever the policy's attempts became since.
        currentAttempt = stateType == .hard && previous != .ok ? maxAttempts : min(currentAttempt, maxAttempts)
        if result.passive {
            currentAttempt = result.status == .ok ? 1 : maxAttempts
        } else if stateType == .soft && currentAttempt < maxAttempts {
            currentAttempt += 1
        }
        status = result.status
        let stateChanged = status != previous
        let hardChanged = (result.passive || currentAttempt >= maxAttempts) && status != lastHardStatus
        var transitions: [HealthTransition] = []
        if hardChanged {
            transitions.append(.hardChange(from: lastHardStatus, to: status))
        } else if status != .ok && currentAttempt < maxAttempts {
            transitions.append(.softChange(from: previous, to: status, attempt: currentAttempt))
        } else if stateChanged {
            transitions.append(.softChange(from: previous, to: status, attempt: currentAttempt))
        }
        if status == .ok {
            stateType = .hard
            currentAttempt = 1
            lastHardStatus = .ok
        } else if currentAttempt < maxAttempts {
            stateType = .soft
        } else {
            stateType = .hard
            lastHardStatus = status
        }
        if lastStateChange == nil || stateChanged { lastStateChange = now }
        if lastHardStateChange == nil || hardChanged { lastHardStateChange = now }
        lastCheck = now
        lastOutput = result.output
        lastLongOutput = result.longOutput
        lastPerfdata = result.perfdata
        lastDuration = result.duration
        transitions += updateFlapping(policy: policy)
        return transitions
    }

    /// Records the current state (unless a SOFT problem) and moves the flapping flag.
    private mutating func updateFlapping(policy: CheckPolicy) -> [HealthTransition] {
        if !isSoftProblem {
            stateHistory.append(status)
            stateHistory.removeFirst(max(0, stateHistory.count - FlapDetector.historySize))
            percentStateChange = FlapDetector.percentStateChange(stateHistory)
        }
        let flapping = policy.flapDetection
            && FlapDetector.isFlapping(wasFlapping: isFlapping, percent: percentStateChange,
                                       low: policy.flapLowThreshold, high: policy.flapHighThreshold)
        defer { isFlapping = flapping }
        switch (isFlapping, flapping) {
        case (false, true): return [.flappingStarted(percent: percentStateChange)]
        case (true, false): return [.flappingStopped(percent: percentStateChange)]
        default: return []
        }
    }
}
