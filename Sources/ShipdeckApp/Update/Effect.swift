import ShipdeckCore

/// Work `update` asks the runtime to do outside the pure update: talk to the core, read a theme
/// file, ring the bell. The runtime turns each finished effect into a new action.
public enum Effect: Sendable, Equatable {
    case perform(CoreCommand)
    case loadTheme(String)
    /// Fetch a job's log lines after `after`.
    case loadLog(service: String, number: Int, job: String, attempt: Int, after: Int)
    /// Fetch an instance's output lines after `after`.
    case loadInstanceLog(id: String, after: Int)
}
