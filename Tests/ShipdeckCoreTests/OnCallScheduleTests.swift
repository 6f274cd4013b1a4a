import Foundation
import Testing
@testable import ShipdeckCore

/// Hand-computed cases in Europe/Berlin (CET = UTC+1, CEST = UTC+2 from 2024-03-31 02:00 local).
/// The epoch is Monday 2024-01-01; 2024-01-08 and 2024-01-15 are Mondays.
@Suite struct OnCallScheduleTests {
    static func rota(_ name: String, _ people: [String], _ rotation: RotaConfig.Rotation, _ handoff: String,
                     hours: String? = nil, days: [Weekday]? = nil) -> RotaConfig {
        RotaConfig(name: name, people: people, rotation: rotation, handoff: Handoff(parsing: handoff)!,
                   hours: hours.flatMap(TimeWindow.init(parsing:)), days: days)
    }

    static func slot(_ rota: RotaConfig, _ at: String) -> OnCallSlot {
        OnCallSchedule(config: OnCallConfig(timeZone: "Europe/Berlin", rotas: [rota])).slot(for: rota, at: .utc(at))
    }

    let daily = rota("daily", ["ana", "ben", "chen"], .daily, "09:00")

    @Test func dailyRotaStartsWithFirstPersonAtEpoch() {
        #expect(Self.slot(daily, "2024-01-01 08:30") == OnCallSlot(rota: "daily", person: "ana", until: .utc("2024-01-02 08:00")))
    }

    @Test func beforeTheEpochTheRotationRunsBackwards() {
        #expect(Self.slot(daily, "2024-01-01 07:00") == OnCallSlot(rota: "daily", person: "chen", until: .utc("2024-01-01 08:00")))
    }

    @Test func handoffStaysAtLocalTimeAcrossSpringForward() {
        // 89 days after the epoch → index 2; the next handoff is 09:00 CEST, only 22 hours later.
        #expect(Self.slot(daily, "2024-03-30 09:00") == OnCallSlot(rota: "daily", person: "chen", until: .utc("2024-03-31 07:00")))
        #expect(Self.slot(daily, "2024-03-31 07:30") == OnCallSlot(rota: "daily", person: "ana", until: .utc("2024-04-01 07:00")))
    }

    @Test func weeklyRotaHandsOverOnItsDay() {
        let squid = Self.rota("squid", ["fay", "ben"], .weekly, "mon 09:00")
        #expect(Self.slot(squid, "2024-01-10 12:00") == OnCallSlot(rota: "squid", person: "ben", until: .utc("2024-01-15 08:00")))
        #expect(Self.slot(squid, "2024-01-15 08:00") == OnCallSlot(rota: "squid", person: "fay", until: .utc("2024-01-22 08:00")))
    }

    @Test func overnightWindowCoversTheSmallHours() {
        let owl = Self.rota("owl", ["dara", "fay"], .weekly, "mon 09:00", hours: "18:00-09:00")
        #expect(Self.slot(owl, "2024-01-10 12:00") == OnCallSlot(rota: "owl", person: nil, until: .utc("2024-01-10 17:00")))
        #expect(Self.slot(owl, "2024-01-10 23:30") == OnCallSlot(rota: "owl", person: "fay", until: .utc("2024-01-11 08:00")))
    }

    @Test func workHoursRotaIsOffAtTheWeekend() {
        let dingo = Self.rota("dingo", ["ana", "chen", "dara"], .weekly, "mon 09:00", hours: "09:00-18:00",
                              days: [.mon, .tue, .wed, .thu, .fri])
        #expect(Self.slot(dingo, "2024-01-12 16:00") == OnCallSlot(rota: "dingo", person: "chen", until: .utc("2024-01-12 17:00")))
        #expect(Self.slot(dingo, "2024-01-13 10:00") == OnCallSlot(rota: "dingo", person: nil, until: .utc("2024-01-15 08:00")))
    }

    @Test func adjacentWholeDaysMergeIntoOneSlot() {
        let rota = Self.rota("early", ["ana", "ben"], .weekly, "mon 09:00", days: [.mon, .tue])
        #expect(Self.slot(rota, "2024-01-08 12:00") == OnCallSlot(rota: "early", person: "ben", until: .utc("2024-01-09 23:00")))
    }

    @Test func onePersonRotaNeverHandsOver() {
        let solo = Self.rota("solo", ["ana"], .weekly, "mon 09:00")
        #expect(Self.slot(solo, "2024-06-05 12:00") == OnCallSlot(rota: "solo", person: "ana", until: nil))
    }

    @Test func nextChangeIsTheEarliestSlotEnd() {
        let owl = Self.rota("owl", ["dara", "fay"], .weekly, "mon 09:00", hours: "18:00-09:00")
        let schedule = OnCallSchedule(config: OnCallConfig(timeZone: "Europe/Berlin", rotas: [daily, owl]))
        #expect(schedule.nextChange(after: .utc("2024-01-10 12:00")) == .utc("2024-01-10 17:00"))
    }
}
