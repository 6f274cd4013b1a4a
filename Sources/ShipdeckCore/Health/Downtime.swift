import Foundation

/// A scheduled downtime for a check: while it is active, HARD changes do not alert.
///
/// Fixed downtime covers `[start, end)`. Flexible downtime (Nagios' `fixed=0`) waits inside the
/// window `[start, end]` for the check's first problem and then lasts `duration` from that
/// moment, possibly past `end`; a problem already present when the window opens starts it at
/// `start`. A flexible downtime whose window closes without a problem never starts.
public struct Downtime: Codable, Sendable, Equatable, Identifiable {
    /// Fixed, or flexible with how long it lasts once started.
    public enum Kind: Codable, Sendable, Equatable {
        case fixed
        case flexible(duration: TimeInterval)
    }

    public var id: UUID
    public var kind: Kind
    public var start: Date
    public var end: Date
    public var comment: String
    /// When a flexible downtime started (set by `noteProblem`); nil while waiting, and for fixed.
    public private(set) var triggeredAt: Date?

    /// Creates a fixed downtime over `[start, end)`.
    public static func fixed(from start: Date, to end: Date, comment: String = "", id: UUID = UUID()) -> Downtime {
        Downtime(id: id, kind: .fixed, start: start, end: end, comment: comment)
    }

    /// Creates a flexible downtime that may start within `[start, end]` and then lasts `duration`.
    public static func flexible(from start: Date, to end: Date, duration: TimeInterval, comment: String = "",
                                id: UUID = UUID()) -> Downtime {
        Downtime(id: id, kind: .flexible(duration: duration), start: start, end: end, comment: comment)
    }

    private init(id: UUID, kind: Kind, start: Date, end: Date, comment: String) {
        self.id = id
        self.kind = kind
        self.start = start
        self.end = end
        self.comment = comment
    }

    /// When the downtime begins, if it has begun or will at a known time.
    /// - Parameter problemSince: when the check's current problem began; nil while it is OK.
    /// - Returns: `start` for fixed; for flexible the trigger time (recorded, or the problem's
    ///   start clamped to the window), nil when no problem falls in the window.
    public func effectiveStart(problemSince: Date? = nil) -> Date? {
        guard case .flexible = kind else { return start }
        if let triggeredAt { return triggeredAt }
        guard let problemSince, problemSince <= end else { return nil }
        return Swift.max(problemSince, start)
    }

    /// Whether the downtime covers an instant.
    /// - Parameters:
    ///   - date: the instant asked about.
    ///   - problemSince: when the check's current problem began (nil while OK); only flexible
    ///     downtime that has not been triggered with `noteProblem` uses it.
    /// - Returns: true inside `[start, end)` for fixed, inside `[trigger, trigger + duration)` for flexible.
    public func isActive(at date: Date, problemSince: Date? = nil) -> Bool {
        switch kind {
        case .fixed:
            return start <= date && date < end
        case .flexible(let duration):
            guard let begin = effectiveStart(problemSince: problemSince), begin <= date else { return false }
            return date < begin.addingTimeInterval(duration)
        }
    }

    /// Starts a waiting flexible downtime when a problem appears inside its window.
    /// - Parameter date: when the check went non-OK (the engine passes HARD problems, as Nagios does).
    /// - Returns: true when this call started the downtime.
    @discardableResult
    public mutating func noteProblem(at date: Date) -> Bool {
        guard case .flexible = kind, triggeredAt == nil, start <= date, date <= end else { return false }
        triggeredAt = date
        return true
    }

    /// Whether the downtime can never be active again after an instant.
    /// - Parameter date: now.
    /// - Returns: true once a fixed downtime ended, a started flexible one ran its duration, or a
    ///   waiting flexible one's window closed.
    public func isOver(at date: Date) -> Bool {
        switch kind {
        case .fixed: return date >= end
        case .flexible(let duration):
            if let triggeredAt { return date >= triggeredAt.addingTimeInterval(duration) }
            return date > end
        }
    }
}
