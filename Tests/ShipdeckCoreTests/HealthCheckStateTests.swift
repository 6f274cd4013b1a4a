import Foundation
import Testing
@testable import ShipdeckCore

/// Nagios service-check state logic: SOFT retries, HARD states, recoveries, passive results.
@Suite struct HealthCheckStateTests {
    static func t(_ seconds: TimeInterval) -> Date { Date(timeIntervalSince1970: 1_700_000_000 + seconds) }
    static let policy = CheckPolicy(checkInterval: 60, retryInterval: 10, maxCheckAttempts: 3)

    static func result(_ status: CheckStatus, at seconds: TimeInterval, passive: Bool = false) -> CheckResult {
        CheckResult(status: status, output: "\(status.label) at \(Int(seconds))", at: t(seconds), passive: passive)
    }

    /// Holds a state so `#expect` can call the mutating `apply` through a reference.
    final class Driver {
        var state: CheckState
        let policy: CheckPolicy
        init(_ policy: CheckPolicy = HealthCheckStateTests.policy) {
            self.policy = policy
            state = CheckState(policy: policy)
        }
        @discardableResult
        func apply(_ status: CheckStatus, at seconds: TimeInterval, passive: Bool = false) -> [HealthTransition] {
            state.apply(HealthCheckStateTests.result(status, at: seconds, passive: passive), policy: policy)
        }
        @discardableResult
        func apply(_ result: CheckResult) -> [HealthTransition] { state.apply(result, policy: policy) }
    }

    @Test func nonOKIsSoftAndRetriedUntilMaxAttemptsThenHard() {
        let driver = Driver()
        #expect(driver.apply(.ok, at: 0) == [])
        #expect(driver.apply(.critical, at: 60)
                == [.softChange(from: .ok, to: .critical, attempt: 1)])
        #expect(driver.state.stateType == .soft && driver.state.currentAttempt == 1)
        #expect(driver.state.nextCheckDelay(policy: Self.policy) == 10, "SOFT problems retry at retry_interval")
        #expect(driver.apply(.critical, at: 70)
                == [.softChange(from: .critical, to: .critical, attempt: 2)])
        #expect(driver.state.stateType == .soft && driver.state.currentAttempt == 2)
        #expect(driver.apply(.critical, at: 80) == [.hardChange(from: .ok, to: .critical)])
        #expect(driver.state.stateType == .hard && driver.state.currentAttempt == 3 && driver.state.lastHardStatus == .critical)
        #expect(driver.state.nextCheckDelay(policy: Self.policy) == 60, "HARD states go back to check_interval")
        #expect(driver.state.lastStateChange == Self.t(60), "the state changed at the first CRITICAL")
        #expect(driver.state.lastHardStateChange == Self.t(80), "the HARD change came with attempt 3")
        #expect(driver.apply(.critical, at: 140) == [], "an unchanged HARD state is no news")
        #expect(driver.state.currentAttempt == 3)
    }

    @Test func recoveryFromSoftProblemIsSoft() {
        let driver = Driver()
        driver.apply(.ok, at: 0)
        driver.apply(.critical, at: 60)
        // Nagios counts the recovering result as the next attempt (its log says OK;SOFT;2).
        #expect(driver.apply(.ok, at: 70) == [.softChange(from: .critical, to: .ok, attempt: 2)])
        #expect(driver.state.status == .ok && driver.state.stateType == .hard && driver.state.currentAttempt == 1)
        #expect(driver.state.lastHardStateChange == Self.t(0), "a soft recovery is no HARD change")
        #expect(driver.state.lastStateChange == Self.t(70))
    }

    @Test func recoveryFromHardProblemIsHard() {
        let driver = Driver()
        for second in [0.0, 10, 20] { driver.apply(.critical, at: second) }
        #expect(driver.state.stateType == .hard)
        #expect(driver.apply(.ok, at: 80) == [.hardChange(from: .critical, to: .ok)])
        #expect(driver.state.currentAttempt == 1 && driver.state.lastHardStatus == .ok && driver.state.lastHardStateChange == Self.t(80))
    }

    @Test func changesBetweenProblemsWhileHardStayHard() {
        let driver = Driver()
        for second in [0.0, 10, 20] { driver.apply(.warning, at: second) }
        #expect(driver.state.stateType == .hard && driver.state.status == .warning)
        #expect(driver.apply(.critical, at: 80) == [.hardChange(from: .warning, to: .critical)])
        #expect(driver.state.stateType == .hard && driver.state.currentAttempt == 3)
        #expect(driver.apply(.warning, at: 140) == [.hardChange(from: .critical, to: .warning)])
    }

    @Test func problemsChangingWhileSoftKeepCountingAttempts() {
        let driver = Driver()
        driver.apply(.warning, at: 0)
        #expect(driver.apply(.critical, at: 10)
                == [.softChange(from: .warning, to: .critical, attempt: 2)])
        #expect(driver.apply(.critical, at: 20) == [.hardChange(from: .ok, to: .critical)],
                "the HARD change is reported from the last HARD state, OK")
    }

    @Test func aHardProblemStaysHardWhenMaxAttemptsGrows() {
        let driver = Driver()
        for second in [0.0, 10, 20] { driver.apply(.critical, at: second) }
        let raised = CheckPolicy(checkInterval: 60, retryInterval: 10, maxCheckAttempts: 5)
        let transitions = driver.state.apply(Self.result(.warning, at: 80), policy: raised)
        #expect(transitions == [.hardChange(from: .critical, to: .warning)])
        #expect(driver.state.stateType == .hard && driver.state.currentAttempt == 5 && driver.state.maxAttempts == 5)
    }

    @Test func maxAttemptsOneMakesEveryChangeHard() {
        let policy = CheckPolicy(maxCheckAttempts: 1)
        let driver = Driver(policy)
        #expect(driver.apply(.critical, at: 0) == [.hardChange(from: .ok, to: .critical)])
        #expect(driver.apply(.warning, at: 10) == [.hardChange(from: .critical, to: .warning)])
        #expect(driver.apply(.ok, at: 20) == [.hardChange(from: .warning, to: .ok)])
        #expect(driver.state.stateType == .hard)
    }

    @Test func passiveResultsAreHardAtOnce() {
        let driver = Driver()
        #expect(driver.apply(.critical, at: 0, passive: true)
                == [.hardChange(from: .ok, to: .critical)])
        #expect(driver.state.stateType == .hard)
        #expect(driver.apply(.critical, at: 10) == [],
                "an active result confirming a passive HARD problem changes nothing")
        #expect(driver.apply(.ok, at: 20, passive: true) == [.hardChange(from: .critical, to: .ok)])
    }

    @Test func applyKeepsTheLastOutputPerfdataAndDuration() {
        let driver = Driver()
        let result = CheckResult(exitCode: 1, stdout: "HTTP WARNING: 404 |time=0.016244s;;;0.000000;10.000000\nbody\n",
                                 duration: 0.02, at: Self.t(5))
        driver.apply(result)
        #expect(driver.state.status == .warning && driver.state.lastOutput == "HTTP WARNING: 404" && driver.state.lastLongOutput == "body")
        #expect(driver.state.lastPerfdata.map(\.label) == ["time"] && driver.state.lastDuration == 0.02 && driver.state.lastCheck == Self.t(5))
    }

    @Test func settledOKNeedsACheckAndNoFlapping() {
        let driver = Driver()
        #expect(!driver.state.isSettledOK, "never checked")
        driver.apply(.ok, at: 0)
        #expect(driver.state.isSettledOK)
        driver.apply(.critical, at: 10)
        #expect(!driver.state.isSettledOK)
    }
}
