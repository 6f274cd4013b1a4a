import Foundation

/// How alerts become pages: timeouts, the integrations of the Events API, the escalation policy and
/// the notification channels (`alerts:` in shipdeck.yml).
public struct AlertsConfig: Sendable, Equatable {
    /// Seconds after an acknowledgement at which an unresolved incident triggers again (nil: never).
    public var ackTimeout: Double? = 1800
    /// Seconds after its last trigger at which an incident resolves by itself (nil: never).
    public var autoResolve: Double?
    /// Whether a new high-urgency alert rings the terminal bell.
    public var bell = true
    /// Seconds before an incident that "what changed just before" looks back.
    public var changeWindow: Double = 3600
    public var integrations: [IntegrationConfig] = []
    public var escalation = EscalationPolicy()
    public var channels: [ChannelConfig] = []

    public init() {}

    /// The integration with this routing key.
    public func integration(routingKey: String) -> IntegrationConfig? { integrations.first { $0.routingKey == routingKey } }
}

/// An Events API integration: a monitor or ticket system that pages with its own routing key.
public struct IntegrationConfig: Sendable, Equatable {
    public var name: String
    /// 32 characters, as PagerDuty's integration keys.
    public var routingKey: String
    /// The service its alerts concern (support hours, the change window), if one.
    public var service: String?
    /// Forces the urgency; nil: from the severity (critical and error high, warning and info low).
    public var urgency: Incident.Urgency?

    public init(name: String, routingKey: String, service: String? = nil, urgency: Incident.Urgency? = nil) {
        self.name = name
        self.routingKey = routingKey
        self.service = service
        self.urgency = urgency
    }
}

/// Who is paged, level by level, until someone acknowledges.
public struct EscalationPolicy: Sendable, Equatable {
    /// In order: the first is paged at once; a level not acknowledged within its `delay` escalates
    /// to the next (PagerDuty's `escalation_delay`).
    public var levels: [EscalationLevel] = []
    /// How many more times the whole policy runs once its last level was paged (PagerDuty's loops).
    public var repeats = 0

    public init(levels: [EscalationLevel] = [], repeats: Int = 0) {
        self.levels = levels
        self.repeats = repeats
    }
}

public struct EscalationLevel: Sendable, Equatable {
    /// Whom: `rota:NAME` (whoever holds it then; nobody outside its hours) or a person's handle.
    public var targets: [EscalationTarget]
    /// Seconds without an acknowledgement before this level escalates to the next one.
    public var delay: Double

    public init(targets: [EscalationTarget], delay: Double) {
        self.targets = targets
        self.delay = delay
    }
}

public enum EscalationTarget: Sendable, Equatable, CustomStringConvertible {
    case rota(String)
    case person(String)

    public var description: String {
        switch self {
        case .rota(let name): return "rota:\(name)"
        case .person(let handle): return handle
        }
    }
}

/// Where a page goes: a command run with the alert as environment variables, or a webhook.
public struct ChannelConfig: Sendable, Equatable {
    public enum Format: String, Sendable, Equatable, CaseIterable { case slack, json }

    public var name: String
    public var command: String?
    public var webhook: String?
    public var format: Format = .json
    /// Deliveries tried at most this many times (with backoff: 1 s, 2 s, 4 s…).
    public var attempts = 4

    public init(name: String, command: String? = nil, webhook: String? = nil, format: Format = .json, attempts: Int = 4) {
        self.name = name
        self.command = command
        self.webhook = webhook
        self.format = format
        self.attempts = attempts
    }
}

/// When a service is supported by day: low-urgency alerts outside these hours wait for them.
public struct SupportHours: Sendable, Equatable {
    public var window: TimeWindow
    /// The days the window opens; nil: every day.
    public var days: [Weekday]?

    public init(window: TimeWindow, days: [Weekday]? = nil) {
        self.window = window
        self.days = days
    }
}
