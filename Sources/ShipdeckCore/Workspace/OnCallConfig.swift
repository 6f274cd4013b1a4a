import Foundation

/// The on-call setup: a time zone and named rotas.
public struct OnCallConfig: Sendable, Equatable {
    /// IANA time zone name in which handoffs, hours and days are read.
    public var timeZone: String
    public var rotas: [RotaConfig]

    public init(timeZone: String = "UTC", rotas: [RotaConfig] = []) {
        self.timeZone = timeZone
        self.rotas = rotas
    }
}

/// One rota such as `dingo` (work hours), `owl` (after hours) or `squid` (always).
public struct RotaConfig: Sendable, Equatable {
    public enum Rotation: String, Sendable, Equatable, CaseIterable { case daily, weekly }

    public var name: String
    /// Handles in rotation order; the first is on call from the first handoff (the epoch).
    public var people: [String]
    public var rotation: Rotation
    public var handoff: Handoff
    /// The daily window in which this rota is on call; nil means all day. May cross midnight.
    public var hours: TimeWindow?
    /// Days on which the window opens; nil means every day. A window crossing midnight belongs to the day it opens.
    public var days: [Weekday]?

    public init(name: String, people: [String], rotation: Rotation, handoff: Handoff, hours: TimeWindow? = nil, days: [Weekday]? = nil) {
        self.name = name
        self.people = people
        self.rotation = rotation
        self.handoff = handoff
        self.hours = hours
        self.days = days
    }
}

/// A day of the week; raw values match `Calendar`'s weekday numbers (Sunday = 1).
public enum Weekday: Int, Sendable, Equatable, CaseIterable, Comparable {
    case sun = 1, mon, tue, wed, thu, fri, sat

    /// Parses `mon`…`sun` (also full names, any case).
    public init?(name: String) {
        let prefix = name.lowercased().prefix(3)
        guard let day = Weekday.allCases.first(where: { "\($0)" == prefix }),
              name.count == 3 || "\(day)" + String(name.lowercased().dropFirst(3)) == name.lowercased()
        else { return nil }
        self = day
    }

    public static func < (a: Weekday, b: Weekday) -> Bool { a.rawValue < b.rawValue }
}

/// A wall-clock time such as `09:00`.
public struct TimeOfDay: Sendable, Equatable, Comparable, CustomStringConvertible {
    public var hour: Int
    public var minute: Int

    public init(hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    /// Parses `HH:MM` (24-hour).
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2,
              let hour = Int(parts[0]), let minute = Int(parts[1]),
              (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        self.init(hour: hour, minute: minute)
    }

    public var minutes: Int { hour * 60 + minute }
    public var description: String { String(format: "%02d:%02d", hour, minute) }
    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { a.minutes < b.minutes }
}

/// When a rota passes to the next person: `"mon 09:00"` (weekly) or `"09:00"` (daily).
public struct Handoff: Sendable, Equatable {
    public var weekday: Weekday?
    public var time: TimeOfDay

    public init(weekday: Weekday? = nil, time: TimeOfDay) {
        self.weekday = weekday
        self.time = time
    }

    /// Parses `"mon 09:00"` or `"09:00"`.
    public init?(parsing text: String) {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        switch parts.count {
        case 1:
            guard let time = TimeOfDay(parsing: String(parts[0])) else { return nil }
            self.init(time: time)
        case 2:
            guard let day = Weekday(name: String(parts[0])), let time = TimeOfDay(parsing: String(parts[1])) else { return nil }
            self.init(weekday: day, time: time)
        default:
            return nil
        }
    }
}

/// A daily window such as `09:00-18:00`, or `18:00-09:00` which crosses midnight.
public struct TimeWindow: Sendable, Equatable {
    public var start: TimeOfDay
    public var end: TimeOfDay

    public init(start: TimeOfDay, end: TimeOfDay) {
        self.start = start
        self.end = end
    }

    /// Parses `HH:MM-HH:MM`; start and end must differ.
    public init?(parsing text: String) {
        let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let start = TimeOfDay(parsing: parts[0]), let end = TimeOfDay(parsing: parts[1]),
              start != end else { return nil }
        self.init(start: start, end: end)
    }

    /// True when the window ends on the next day.
    public var crossesMidnight: Bool { end < start }
}
