import Foundation

/// Where engines read the current time, so tests can move time by hand instead of sleeping.
public protocol ShipdeckClock: Sendable {
    /// The current instant.
    var now: Date { get }
}

/// The wall clock.
public struct SystemClock: ShipdeckClock {
    public init() {}
    public var now: Date { Date() }
}

/// A clock that only moves when a test tells it to.
public final class ManualClock: ShipdeckClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    /// Creates a clock that reads `start` until it is advanced or set.
    public init(_ start: Date) { current = start }

    public var now: Date { lock.withLock { current } }

    /// Moves the clock forward by `interval` seconds.
    public func advance(by interval: TimeInterval) { lock.withLock { current += interval } }

    /// Sets the clock to `date`.
    public func set(_ date: Date) { lock.withLock { current = date } }
}
