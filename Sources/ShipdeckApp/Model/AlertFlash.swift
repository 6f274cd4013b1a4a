/// The Alerts pane's flash: which new alert caused it and how many clock ticks it still lasts.
public struct AlertFlash: Sendable, Equatable {
    public var incident: Int64
    public var ticksLeft: Int

    /// Seconds (clock ticks) a flash lasts.
    public static let ticks = 5

    public init(incident: Int64, ticksLeft: Int = AlertFlash.ticks) {
        self.incident = incident
        self.ticksLeft = ticksLeft
    }
}
