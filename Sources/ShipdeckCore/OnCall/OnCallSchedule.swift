import Foundation

/// Who is on call for each rota at a given moment, and until when. A pure function of (config, date).
///
/// Rules, all read in `OnCallConfig.timeZone` (so handoffs stay at 09:00 local across DST changes):
/// - The epoch is the rota's first handoff on or after Monday 2024-01-01 00:00 local; `people[0]` holds
///   the rota from the epoch, `people[1]` from the next handoff, and so on (daily or weekly), wrapping around.
/// - `hours` is a daily window (it may cross midnight, `18:00-09:00`); outside it nobody holds the rota.
///   `days` lists the days on which the window opens; a window crossing midnight belongs to the day it opens.
/// - A slot's `until` is when it next changes: the window closes, or the rota passes to a different person.
///   Outside the window, `person` is nil and `until` is when the window next opens.
public struct OnCallSchedule: Sendable {
    public let config: OnCallConfig
    private let calendar: Calendar

    /// The epoch day: Monday 1 January 2024.
    static let epoch = LocalDay(year: 2024, month: 1, day: 1)

    public init(config: OnCallConfig) {
        self.config = config
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: config.timeZone) ?? TimeZone(identifier: "UTC")!
        self.calendar = calendar
    }

    /// One slot per rota, in config order.
    public func slots(at date: Date) -> [OnCallSlot] {
        config.rotas.map { slot(for: $0, at: date) }
    }

    /// The earliest moment any slot changes, or nil when nothing ever changes.
    public func nextChange(after date: Date) -> Date? {
        slots(at: date).compactMap(\.until).min()
    }

    /// Who holds `rota` at `date`, and until when.
    public func slot(for rota: RotaConfig, at date: Date) -> OnCallSlot {
        guard !rota.people.isEmpty else { return OnCallSlot(rota: rota.name, person: nil, until: nil) }
        if let window = window(of: rota, containing: date) {
            let (person, handoff) = holder(of: rota, at: date)
            let ends = [window.end, handoff].compactMap { $0 }.min()
            return OnCallSlot(rota: rota.name, person: person, until: ends)
        }
        return OnCallSlot(rota: rota.name, person: nil, until: nextWindowStart(of: rota, after: date))
    }

    // MARK: - Rotation

    /// The person holding the rotation at `date` and the next handoff to someone else (nil if never).
    func holder(of rota: RotaConfig, at date: Date) -> (String, Date?) {
        let step = rota.rotation == .daily ? 1 : 7
        var day = self.day(of: date)
        if let weekday = rota.handoff.weekday {
            while self.weekday(of: day) != weekday { day = day.adding(-1, calendar) }
        }
        if instant(day, rota.handoff.time) > date { day = day.adding(-step, calendar) }
        let index = floorDiv(days(from: firstHandoffDay(of: rota), to: day), step)
        let person = rota.people[mod(index, rota.people.count)]
        guard Set(rota.people).count > 1 else { return (person, nil) }
        var next = 1
        while rota.people[mod(index + next, rota.people.count)] == person { next += 1 }
        return (person, instant(day.adding(next * step, calendar), rota.handoff.time))
    }

    private func firstHandoffDay(of rota: RotaConfig) -> LocalDay {
        var day = Self.epoch
        if let weekday = rota.handoff.weekday {
            while self.weekday(of: day) != weekday { day = day.adding(1, calendar) }
        }
        return day
    }

    // MARK: - Windows

    private func window(of rota: RotaConfig, opening day: LocalDay) -> (start: Date, end: Date)? {
        if let days = rota.days, !days.contains(weekday(of: day)) { return nil }
        guard let hours = rota.hours else {
            return (instant(day, TimeOfDay(hour: 0, minute: 0)), instant(day.adding(1, calendar), TimeOfDay(hour: 0, minute: 0)))
        }
        let endDay = hours.crossesMidnight ? day.adding(1, calendar) : day
        return (instant(day, hours.start), instant(endDay, hours.end))
    }

    /// The window holding `date`, merged with any windows that follow without a gap.
    func window(of rota: RotaConfig, containing date: Date) -> (start: Date, end: Date?)? {
        func containing(_ moment: Date) -> (start: Date, end: Date)? {
            let today = day(of: moment)
            for candidate in [today.adding(-1, calendar), today] {
                if let window = window(of: rota, opening: candidate), window.start <= moment, moment < window.end { return window }
            }
            return nil
        }
        guard let first = containing(date) else { return nil }
        var end = first.end
        for _ in 0..<8 {
            guard let next = containing(end) else { return (first.start, end) }
            end = next.end
        }
        return (first.start, nil)  // always open
    }

    private func nextWindowStart(of rota: RotaConfig, after date: Date) -> Date? {
        let today = day(of: date)
        for offset in 0...8 {
            if let window = window(of: rota, opening: today.adding(offset, calendar)), window.start > date { return window.start }
        }
        return nil
    }

    // MARK: - Calendar arithmetic in the rota's time zone

    private func day(of date: Date) -> LocalDay {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return LocalDay(year: parts.year!, month: parts.month!, day: parts.day!)
    }

    private func instant(_ day: LocalDay, _ time: TimeOfDay) -> Date {
        let parts = DateComponents(year: day.year, month: day.month, day: day.day, hour: time.hour, minute: time.minute)
        return calendar.date(from: parts)!
    }

    private func weekday(of day: LocalDay) -> Weekday {
        Weekday(rawValue: calendar.component(.weekday, from: instant(day, TimeOfDay(hour: 12, minute: 0))))!
    }

    private func days(from start: LocalDay, to end: LocalDay) -> Int {
        let noon = TimeOfDay(hour: 12, minute: 0)
        return calendar.dateComponents([.day], from: instant(start, noon), to: instant(end, noon)).day!
    }

    private func mod(_ a: Int, _ n: Int) -> Int { ((a % n) + n) % n }
    private func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
}

/// A calendar day in the rota's time zone.
struct LocalDay: Equatable {
    var year: Int
    var month: Int
    var day: Int

    func adding(_ days: Int, _ calendar: Calendar) -> LocalDay {
        let noon = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12))!
        let moved = calendar.date(byAdding: .day, value: days, to: noon)!
        let parts = calendar.dateComponents([.year, .month, .day], from: moved)
        return LocalDay(year: parts.year!, month: parts.month!, day: parts.day!)
    }
}
