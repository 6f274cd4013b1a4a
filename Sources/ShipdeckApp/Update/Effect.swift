import ShipdeckCore

/// Work `update` asks the runtime to do outside the pure update: talk to the core, read a theme
/// file, ring the bell. The runtime turns each finished effect into a new action.
public enum Effect: Sendable, Equatable {
    case perform(CoreCommand)
    /// Carry out a command and, once it went through, apply `then` (a failure becomes `.commandFailed`).
    case performThen(CoreCommand, then: Action)
    case loadTheme(String)
    /// Fetch a job's log lines after `after`.
    case loadLog(service: String, number: Int, job: String, attempt: Int, after: Int)
    /// Fetch an instance's output lines after `after`.
    case loadInstanceLog(id: String, after: Int)
    /// Fetch an instance's health check detail.
    case loadCheckDetail(instance: String)
    /// Fetch a card's history (its detail shows it).
    case loadCardHistory(id: String)
    /// Ring the terminal's bell (a new high-urgency alert; `alerts.bell`). The driver rings it.
    case bell
}
