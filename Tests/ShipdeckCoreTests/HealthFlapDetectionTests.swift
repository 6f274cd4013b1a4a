import Foundation
import Testing
@testable import ShipdeckCore

/// Nagios Core 4 flap detection (`base/flapping.c`): 21 samples, the change between samples
/// x−1 and x (x = 1 … 20) weighs w(x) = 0.75 + (x − 1) × 0.5 / 19, percent = Σ w × 100 / 20.
@Suite struct HealthFlapDetectionTests {
    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-9 }

    @Test func weightsRunFromPointSevenFiveToOnePointTwoFive() {
        #expect(Self.close(FlapDetector.weight(ofChangeAt: 1), 0.75))
        #expect(Self.close(FlapDetector.weight(ofChangeAt: 20), 1.25))
        // Σ w(1…20) = 20 × 0.75 + 0.5 / 19 × (0 + 1 + … + 19) = 15 + 0.5 / 19 × 190 = 20.
        #expect(Self.close((1...20).map(FlapDetector.weight(ofChangeAt:)).reduce(0, +), 20))
    }

    @Test func alternatingTwentyOneSamplesIsOneHundredPercent() {
        // 20 changes: Σ w = 20 (above) → 20 × 100 / 20 = 100 %.
        let history = (0..<21).map { $0.isMultiple(of: 2) ? CheckStatus.ok : .critical }
        #expect(Self.close(FlapDetector.percentStateChange(history), 100))
    }

    @Test func oneChangeWeighsByItsAge() {
        // Newest position: 1.25 × 100 / 20 = 6.25 %. Oldest: 0.75 × 100 / 20 = 3.75 %.
        let newest = Array(repeating: CheckStatus.ok, count: 20) + [.critical]
        let oldest = [CheckStatus.ok] + Array(repeating: .critical, count: 20)
        #expect(Self.close(FlapDetector.percentStateChange(newest), 6.25))
        #expect(Self.close(FlapDetector.percentStateChange(oldest), 3.75))
        #expect(Self.close(FlapDetector.percentStateChange([.ok, .critical]), 6.25), "a short history is the newest part")
        #expect(FlapDetector.percentStateChange(Array(repeating: .warning, count: 21)) == 0)
    }

    @Test func tenNewestChangesHandComputed() {
        // 11 × OK then CRIT, OK, … (10 samples): changes at x = 11 … 20.
        // Σ w = 10 × 0.75 + 0.5 / 19 × (10 + 11 + … + 19) = 7.5 + 0.5 × 145 / 19 = 11.3157894…
        // percent = 11.3157894… × 5 = 56.5789473…
        let history = Array(repeating: CheckStatus.ok, count: 11) + (0..<10).map { $0.isMultiple(of: 2) ? .critical : .ok }
        #expect(Self.close(FlapDetector.percentStateChange(history), (7.5 + 0.5 * 145 / 19) * 5))
        #expect(abs(FlapDetector.percentStateChange(history) - 56.578947) < 1e-6)
    }

    @Test func hysteresisBetweenThresholds() {
        #expect(!FlapDetector.isFlapping(wasFlapping: false, percent: 25, low: 20, high: 30), "undecided keeps the flag")
        #expect(FlapDetector.isFlapping(wasFlapping: true, percent: 25, low: 20, high: 30), "undecided keeps the flag")
        #expect(FlapDetector.isFlapping(wasFlapping: false, percent: 30, low: 20, high: 30), "starts at ≥ high")
        #expect(!FlapDetector.isFlapping(wasFlapping: true, percent: 20, low: 20, high: 30), "stops at ≤ low")
    }

    @Test func checkStateStartsAndStopsFlappingAtHandComputedResults() {
        // max attempts 1: every result is HARD and recorded; the history starts as 21 × OK.
        let policy = CheckPolicy(maxCheckAttempts: 1)
        let driver = HealthCheckStateTests.Driver(policy)
        var time = 0.0
        func apply(_ status: CheckStatus) -> [HealthTransition] {
            time += 10
            return driver.apply(status, at: time)
        }
        // After n alternating results the changes sit at x = 21 − n … 20:
        // n=1: 1.25 → 6.25 %; n=2: + w(19) = 1.2236842 → 12.368421 %; n=3: + w(18) = 1.1973684 → 18.355263 %;
        // n=4: + w(17) = 1.1710526 → 24.210526 %; n=5: + w(16) = 1.1447368 → 29.934211 % (< 30, not yet);
        // n=6: + w(15) = 1.1184211 → Σ 7.1052632 → 35.526316 % ≥ 30 → flapping starts.
        let expected = [6.25, 12.368421, 18.355263, 24.210526, 29.934211, 35.526316]
        for (index, status) in [CheckStatus.critical, .ok, .critical, .ok, .critical, .ok].enumerated() {
            let transitions = apply(status)
            #expect(abs(driver.state.percentStateChange - expected[index]) < 1e-6, "after result \(index + 1)")
            #expect(transitions.first == .hardChange(from: status == .ok ? .critical : .ok, to: status),
                    "HARD changes still update the state while flapping")
            #expect(driver.state.isFlapping == (index == 5))
        }
        // k OKs later the six changes sit at x = 15 − k … 20 − k; those below x = 1 have left.
        // k=1: 6 × 0.75 + (13 + 14 + … + 18) / 38 = 4.5 + 93 / 38 = 6.9473684 → 34.736842 %. k=15: x = 1 … 5 → 5 × 0.75 + (0+1+2+3+4) / 38 = 4.0131579
        // → 20.065789 % (> 20, still flapping). k=16: x = 1 … 4 → 3 + 6 / 38 = 3.1578947 → 15.789474 % → stops.
        #expect(apply(.ok).isEmpty)
        #expect(abs(driver.state.percentStateChange - 34.736842) < 1e-6)
        for _ in 2...14 { #expect(apply(.ok).isEmpty) }
        #expect(apply(.ok).isEmpty)
        #expect(abs(driver.state.percentStateChange - 20.065789) < 1e-6 && driver.state.isFlapping)
        let stop = apply(.ok)
        #expect(stop.count == 1)
        if case .flappingStopped(let percent)? = stop.first { #expect(abs(percent - 15.789474) < 1e-6) } else {
            Issue.record("expected flappingStopped, got \(stop)")
        }
        #expect(!driver.state.isFlapping)
    }

    @Test func softProblemsAreNotRecorded() {
        let policy = CheckPolicy(maxCheckAttempts: 3)
        var state = CheckState(policy: policy)
        state.apply(CheckResult(status: .critical, at: Date(timeIntervalSince1970: 0)), policy: policy)
        state.apply(CheckResult(status: .critical, at: Date(timeIntervalSince1970: 10)), policy: policy)
        #expect(state.percentStateChange == 0 && state.stateHistory.allSatisfy { $0 == .ok }, "SOFT CRITICAL is not recorded")
        state.apply(CheckResult(status: .critical, at: Date(timeIntervalSince1970: 20)), policy: policy)
        #expect(Self.close(state.percentStateChange, 6.25), "HARD CRITICAL is: one change at the newest position")
    }

    @Test func disabledDetectionComputesThePercentButNeverFlaps() {
        let policy = CheckPolicy(maxCheckAttempts: 1, flapDetection: false)
        var state = CheckState(policy: policy)
        for index in 0..<21 {
            let status: CheckStatus = index.isMultiple(of: 2) ? .critical : .ok
            let transitions = state.apply(CheckResult(status: status, at: Date(timeIntervalSince1970: Double(index))), policy: policy)
            #expect(!transitions.contains { if case .flappingStarted = $0 { true } else { false } })
        }
        #expect(Self.close(state.percentStateChange, 100) && !state.isFlapping)
    }
}
