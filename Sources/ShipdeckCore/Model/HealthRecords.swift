import Foundation

/// One change of an instance's health check, kept as its history (what Nagios writes to its log as
/// SERVICE ALERT, FLAPPING and DOWNTIME lines).
public struct HealthEvent: Codable, Sendable, Equatable, Identifiable {
    public enum Kind: String, Codable, Sendable {
        /// A SOFT retry of a problem, or a SOFT recovery: never alerts.
        case soft
        /// A HARD state change: what the alerts engine acts on, unless `suppressed` says why not.
        case hard
        case flappingStarted = "flapping-started"
        case flappingStopped = "flapping-stopped"
        case downtimeStarted = "downtime-started"
        case downtimeEnded = "downtime-ended"
    }

    /// Store-assigned, increasing; 0 before it is stored.
    public var id: Int64
    public var instance: String
    public var service: String
    public var environment: String
    public var at: Date
    public var kind: Kind
    public var status: CheckStatus
    public var stateType: StateType
    /// `2/3`.
    public var attempt: String
    public var output: String
    /// Why a HARD change does not alert: `flapping` or `downtime`; nil when it may.
    public var suppressed: String?

    public init(id: Int64 = 0, instance: String, service: String, environment: String, at: Date, kind: Kind,
                status: CheckStatus, stateType: StateType, attempt: String, output: String, suppressed: String? = nil) {
        self.id = id
        self.instance = instance
        self.service = service
        self.environment = environment
        self.at = at
        self.kind = kind
        self.status = status
        self.stateType = stateType
        self.attempt = attempt
        self.output = output
        self.suppressed = suppressed
    }

    /// Whether an alerts engine should page for it.
    public var alerts: Bool { kind == .hard && suppressed == nil }
}

/// A scheduled downtime, with what it covers and who set it.
public struct DowntimeRecord: Codable, Sendable, Equatable, Identifiable {
    public var downtime: Downtime
    public var service: String
    public var environment: String
    /// The instance it covers; nil for every instance of the service in the environment.
    public var instance: String?
    public var by: String
    public var id: UUID { downtime.id }

    public init(downtime: Downtime, service: String, environment: String, instance: String?, by: String) {
        self.downtime = downtime
        self.service = service
        self.environment = environment
        self.instance = instance
        self.by = by
    }

    /// Whether it covers an instance of `service` in `environment`.
    public func covers(service: String, environment: String, instance: String) -> Bool {
        self.service == service && self.environment == environment && (self.instance == nil || self.instance == instance)
    }
}

/// One perfdata label's recent values, oldest first (the check detail draws them as a sparkline).
public struct PerfSeries: Codable, Sendable, Equatable {
    public var label: String
    public var unit: String
    public var values: [Double]

    public init(label: String, unit: String, values: [Double]) {
        self.label = label
        self.unit = unit
        self.values = values
    }
}

/// Everything known of one instance's health check: the check detail view shows it.
public struct CheckDetail: Codable, Sendable, Equatable {
    public var instance: String
    public var service: String
    public var environment: String
    /// `http`, `tcp`, `command` or `passive`.
    public var kind: String
    /// What is checked: `GET http://127.0.0.1:41234/health`, `TCP 127.0.0.1:41234`, the command line.
    public var target: String
    public var status: CheckStatus
    public var stateType: StateType
    public var attempt: Int
    public var maxAttempts: Int
    public var lastCheck: Date?
    public var lastStateChange: Date?
    public var nextCheck: Date?
    public var output: String
    public var longOutput: String
    public var perfdata: [PerfDatum]
    /// Seconds the last check took.
    public var duration: Double
    public var flapping: Bool
    public var percentStateChange: Double
    public var perfHistory: [PerfSeries]
    /// Newest first.
    public var history: [HealthEvent]
    /// Downtimes that cover the instance now or later.
    public var downtimes: [DowntimeRecord]
    /// Whether a downtime (scheduled, or a deploy's) covers the instance now.
    public var inDowntime: Bool

    public init(instance: String, service: String, environment: String, kind: String, target: String, status: CheckStatus,
                stateType: StateType, attempt: Int, maxAttempts: Int, lastCheck: Date?, lastStateChange: Date?, nextCheck: Date?,
                output: String, longOutput: String, perfdata: [PerfDatum], duration: Double, flapping: Bool,
                percentStateChange: Double, perfHistory: [PerfSeries], history: [HealthEvent], downtimes: [DowntimeRecord],
                inDowntime: Bool) {
        self.instance = instance
        self.service = service
        self.environment = environment
        self.kind = kind
        self.target = target
        self.status = status
        self.stateType = stateType
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.lastCheck = lastCheck
        self.lastStateChange = lastStateChange
        self.nextCheck = nextCheck
        self.output = output
        self.longOutput = longOutput
        self.perfdata = perfdata
        self.duration = duration
        self.flapping = flapping
        self.percentStateChange = percentStateChange
        self.perfHistory = perfHistory
        self.history = history
        self.downtimes = downtimes
        self.inDowntime = inDowntime
    }
}
