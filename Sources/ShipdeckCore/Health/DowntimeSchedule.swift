import Foundation

/// The downtimes scheduled for one check (a service or an instance).
public struct DowntimeSchedule: Codable, Sendable, Equatable {
    public private(set) var downtimes: [Downtime]

    /// Creates a schedule.
    public init(_ downtimes: [Downtime] = []) { self.downtimes = downtimes }

    /// Adds a downtime.
    public mutating func add(_ downtime: Downtime) { downtimes.append(downtime) }

    /// Removes a downtime by id.
    /// - Returns: true when one was removed.
    @discardableResult
    public mutating func remove(id: UUID) -> Bool {
        let before = downtimes.count
        downtimes.removeAll { $0.id == id }
        return downtimes.count != before
    }

    /// The downtimes covering an instant.
    /// - Parameters:
    ///   - date: the instant.
    ///   - problemSince: when the check's current problem began; nil while OK.
    public func active(at date: Date, problemSince: Date? = nil) -> [Downtime] {
        downtimes.filter { $0.isActive(at: date, problemSince: problemSince) }
    }

    /// Whether any downtime covers an instant (alerts for the check are then suppressed).
    public func isInDowntime(at date: Date, problemSince: Date? = nil) -> Bool {
        downtimes.contains { $0.isActive(at: date, problemSince: problemSince) }
    }

    /// Starts every waiting flexible downtime whose window holds the problem's start.
    /// - Parameter date: when the check went (HARD) non-OK.
    /// - Returns: ids of the downtimes this started.
    @discardableResult
    public mutating func noteProblem(at date: Date) -> [UUID] {
        var started: [UUID] = []
        for index in downtimes.indices where downtimes[index].noteProblem(at: date) {
            started.append(downtimes[index].id)
        }
        return started
    }

    /// Drops downtimes that can no longer be active.
    /// - Returns: the dropped downtimes.
    @discardableResult
    public mutating func removeOver(at date: Date) -> [Downtime] {
        let over = downtimes.filter { $0.isOver(at: date) }
        downtimes.removeAll { $0.isOver(at: date) }
        return over
    }
}
