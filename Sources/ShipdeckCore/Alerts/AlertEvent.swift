import Foundation

/// One event for the alerts engine, as the PagerDuty Events API v2 defines it: trigger, acknowledge
/// or resolve, keyed by `dedupKey`. Health, deploys, builds and the CLI raise the same events.
public struct AlertEvent: Sendable, Equatable {
    public enum Action: String, Codable, Sendable, Equatable, CaseIterable { case trigger, acknowledge, resolve }

    public var action: Action
    /// Which incident it is about; a trigger without one gets a new key.
    public var dedupKey: String?
    public var summary: String
    public var source: String
    public var severity: Incident.Severity
    /// When the problem happened, as the sender saw it (kept in the timeline).
    public var timestamp: Date?
    public var component: String?
    public var group: String?
    public var eventClass: String?
    /// JSON text.
    public var customDetails: String?
    /// `health`, `deploys`, `builds`, `cli`, or the Events API integration's name.
    public var integration: String
    public var service: String?
    public var environment: String?
    /// Forces the urgency; nil: from the severity (critical and error high, warning and info low).
    public var urgency: Incident.Urgency?
    /// Who sent it (a person for the CLI, else the integration).
    public var by: String

    public init(action: Action, dedupKey: String?, summary: String = "", source: String = "", severity: Incident.Severity = .error,
                timestamp: Date? = nil, component: String? = nil, group: String? = nil, eventClass: String? = nil,
                customDetails: String? = nil, integration: String, service: String? = nil, environment: String? = nil,
                urgency: Incident.Urgency? = nil, by: String) {
        self.action = action
        self.dedupKey = dedupKey
        self.summary = summary
        self.source = source
        self.severity = severity
        self.timestamp = timestamp
        self.component = component
        self.group = group
        self.eventClass = eventClass
        self.customDetails = customDetails
        self.integration = integration
        self.service = service
        self.environment = environment
        self.urgency = urgency
        self.by = by
    }

    /// PagerDuty's default: critical and error page at any hour, warning and info wait for working hours.
    public var effectiveUrgency: Incident.Urgency {
        urgency ?? (severity == .critical || severity == .error ? .high : .low)
    }
}

/// Stores an incident and announces it (the core, which owns event order).
public protocol AlertRecorder: AnyObject, Sendable {
    func recordIncident(_ incident: Incident) async throws -> Incident
}

/// One page to deliver: an incident, the person paged, and why.
public struct Page: Sendable, Equatable {
    public var incident: Incident
    public var person: String
    /// The person's name and email from the config, for messages.
    public var name: String
    public var email: String?
    /// `triggered`, `escalated to level 2`, `re-triggered: acknowledgement timed out`…
    public var reason: String

    public init(incident: Incident, person: String, name: String, email: String?, reason: String) {
        self.incident = incident
        self.person = person
        self.name = name
        self.email = email
        self.reason = reason
    }
}

/// Delivers pages through a channel; tests pass a twin.
public protocol Notifier: Sendable {
    /// Delivers one page; throws a sentence on failure (retried by the engine).
    func deliver(_ page: Page, via channel: ChannelConfig) async throws
}
