import ShipdeckCore

/// An instance's health check on screen: the detail fetched from the core and how it is viewed.
/// The detail is fetched again when its service's row changes, when the instance's check changes
/// state, and after a command on it (check now, schedule or cancel a downtime) went through.
public struct CheckViewState: Sendable, Equatable {
    public var instance: String
    public var service: String
    public var environment: String
    /// The last detail fetched; nil until the first arrives.
    public var detail: CheckDetail?
    public var loading = true
    /// A change arrived while a fetch was running: fetch again once it is in.
    public var reloadWanted = false
    public var error: String?
    /// First visible line.
    public var offset = 0

    public init(instance: String, service: String, environment: String) {
        self.instance = instance
        self.service = service
        self.environment = environment
    }

    /// Whether a change of `service` in `environment` concerns the instance shown.
    public func concerns(service: String, environment: String) -> Bool {
        self.service == service && self.environment == environment
    }
}
