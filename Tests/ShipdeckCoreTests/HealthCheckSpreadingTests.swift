import Foundation
import Testing
@testable import ShipdeckCore

/// Nagios' smart inter-check delay: first checks spread evenly over the interval.
@Suite struct HealthCheckSpreadingTests {
    @Test func checksSpreadEvenlyOverTheInterval() {
        let spreading = CheckSpreading(checkCount: 4, interval: 10)
        #expect(spreading.interCheckDelay == 2.5, "10 s / 4 checks")
        #expect((0..<4).map(spreading.firstCheckOffset(index:)) == [0, 2.5, 5, 7.5])
        #expect(spreading.firstCheckOffset(index: 5) == 2.5, "indexes wrap around")
        #expect(spreading.firstCheckOffset(index: -1) == 7.5)
    }

    @Test func aThousandInstancesAtTenSeconds() {
        let spreading = CheckSpreading(checkCount: 1000, interval: 10)
        #expect(abs(spreading.interCheckDelay - 0.01) < 1e-12)
        #expect(abs(spreading.firstCheckOffset(index: 999) - 9.99) < 1e-9, "the last one starts before the interval ends")
    }

    @Test func maxSpreadCapsTheDelayAndMixedIntervalsUseTheirAverage() {
        #expect(CheckSpreading(checkCount: 10, interval: 600, maxSpread: 60).interCheckDelay == 6)
        #expect(CheckSpreading(checkCount: 10, interval: 30, maxSpread: 60).interCheckDelay == 3, "cap not reached")
        #expect(CheckSpreading(intervals: [10, 20, 30]).interCheckDelay == 20.0 / 3)
        #expect(CheckSpreading(checkCount: 0, interval: 10).firstCheckOffset(index: 3) == 0)
    }
}
