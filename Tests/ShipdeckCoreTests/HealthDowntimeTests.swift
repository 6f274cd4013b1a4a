import Foundation
import Testing
@testable import ShipdeckCore

/// Fixed and flexible scheduled downtime.
@Suite struct HealthDowntimeTests {
    static func t(_ seconds: TimeInterval) -> Date { Date(timeIntervalSince1970: 1_700_000_000 + seconds) }

    @Test func fixedDowntimeCoversItsHalfOpenInterval() {
        let downtime = Downtime.fixed(from: Self.t(100), to: Self.t(200))
        #expect(!downtime.isActive(at: Self.t(99)))
        #expect(downtime.isActive(at: Self.t(100)))
        #expect(downtime.isActive(at: Self.t(199)))
        #expect(!downtime.isActive(at: Self.t(200)))
        #expect(!downtime.isOver(at: Self.t(199)) && downtime.isOver(at: Self.t(200)))
    }

    @Test func flexibleDowntimeStartsAtTheFirstProblemInItsWindow() {
        var downtime = Downtime.flexible(from: Self.t(100), to: Self.t(200), duration: 60)
        #expect(!downtime.isActive(at: Self.t(150)), "no problem yet")
        let early = downtime.noteProblem(at: Self.t(50))
        let first = downtime.noteProblem(at: Self.t(180))
        let second = downtime.noteProblem(at: Self.t(190))
        #expect(!early, "a problem before the window does not trigger it")
        #expect(first)
        #expect(!second, "only the first problem counts")
        #expect(downtime.triggeredAt == Self.t(180))
        #expect(!downtime.isActive(at: Self.t(179)))
        #expect(downtime.isActive(at: Self.t(230)), "runs its duration past the window's end")
        #expect(!downtime.isActive(at: Self.t(240)))
        #expect(downtime.isOver(at: Self.t(240)) && !downtime.isOver(at: Self.t(239)))
    }

    @Test func flexibleDowntimeFromProblemSince() {
        let downtime = Downtime.flexible(from: Self.t(100), to: Self.t(200), duration: 60)
        #expect(downtime.isActive(at: Self.t(130), problemSince: Self.t(120)))
        #expect(!downtime.isActive(at: Self.t(181), problemSince: Self.t(120)), "60 s after the problem began")
        #expect(downtime.isActive(at: Self.t(159), problemSince: Self.t(40)), "a problem present at the window's start starts it then")
        #expect(!downtime.isActive(at: Self.t(160), problemSince: Self.t(40)))
        #expect(!downtime.isActive(at: Self.t(230), problemSince: Self.t(210)), "a problem after the window never starts it")
        #expect(downtime.isOver(at: Self.t(201)), "a flexible window that closed unused is over")
    }

    @Test func scheduleAnswersWhetherACheckIsInDowntime() {
        let flexibleID = UUID()
        var schedule = DowntimeSchedule([
            .fixed(from: Self.t(0), to: Self.t(10), comment: "deploy drain"),
            .flexible(from: Self.t(100), to: Self.t(200), duration: 30, id: flexibleID),
        ])
        #expect(schedule.isInDowntime(at: Self.t(5)))
        #expect(!schedule.isInDowntime(at: Self.t(50)))
        #expect(!schedule.isInDowntime(at: Self.t(150)))
        let started = schedule.noteProblem(at: Self.t(140))
        #expect(started == [flexibleID])
        #expect(schedule.isInDowntime(at: Self.t(150)) && schedule.active(at: Self.t(150)).map(\.id) == [flexibleID])
        let over = schedule.removeOver(at: Self.t(60))
        #expect(over.map(\.comment) == ["deploy drain"] && schedule.downtimes.count == 1)
        let removed = schedule.remove(id: flexibleID)
        let removedAgain = schedule.remove(id: flexibleID)
        #expect(removed && !removedAgain && schedule.downtimes.isEmpty)
    }
}
