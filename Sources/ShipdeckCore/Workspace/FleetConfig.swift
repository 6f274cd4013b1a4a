import Foundation

/// `fleet:` in shipdeck.yml: how the core runs and deploys instances.
public struct FleetConfig: Sendable, Equatable {
    /// The default runtime of every service: `process` (nothing to install) or `container` (podman or docker).
    public var runtime: RuntimeKind = .process
    /// The container CLI the container runtime drives.
    public var containerCLI: String = "podman"
    /// Seconds a new group has to pass its health gate before the deploy fails.
    public var deployTimeout: Double = 60
    /// Seconds between health probes of the gate (each instance must pass `health.rise` in a row).
    public var gateInterval: Double = 0.5
    /// Seconds an old group may take to finish in-flight requests once it gets no new ones.
    public var drain: Double = 5
    /// Seconds the old group stays warm after a switch, so an immediate rollback is a proxy switch.
    public var keepWarm: Double = 60
    /// Seconds between TERM and KILL when an instance stops.
    public var stopGrace: Double = 10
    /// Seconds before a crashed instance is restarted the first time; each further crash doubles it
    /// (at most 30 s more than this, as a crash loop backs off).
    public var restartBackoff: Double = 1
    /// Log lines kept per instance (oldest dropped first).
    public var logLines: Int = 5_000
    public init() {}
}

/// Which runtime starts a service's instances.
public enum RuntimeKind: String, Sendable, Equatable, CaseIterable, Codable {
    case process, container
}
