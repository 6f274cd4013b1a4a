import Foundation

/// An alert as the on-call operator works it (PagerDuty's incident): opened by a trigger, deduplicated
/// by its key, acknowledged, resolved, with a timeline of everything that happened to it.
public struct Incident: Codable, Sendable, Equatable, Identifiable {
    public enum State: String, Codable, Sendable, CaseIterable { case triggered, acknowledged, resolved }
    /// PagerDuty's severities, most severe first.
    public enum Severity: String, Codable, Sendable, CaseIterable { case critical, error, warning, info }
    public enum Urgency: String, Codable, Sendable, CaseIterable { case high, low }

    /// Store-assigned; 0 before it is stored.
    public var id: Int64
    /// Triggers with the same key while the incident is open are appended to it.
    public var dedupKey: String
    public var summary: String
    /// What raised it: `orders-test-3-1`, `grafana`, a host name.
    public var source: String
    public var severity: Severity
    public var urgency: Urgency
    public var state: State
    /// The service it concerns (routes it to the service's support hours and escalation), if any.
    public var service: String?
    public var environment: String?
    public var component: String?
    public var group: String?
    public var eventClass: String?
    /// The trigger's `custom_details`, as JSON text.
    public var customDetails: String?
    /// The integration it came in through: `health`, `deploys`, `builds`, `cli`, or an Events API integration's name.
    public var integration: String
    public var createdAt: Date
    public var updatedAt: Date
    public var acknowledgedBy: String?
    public var acknowledgedAt: Date?
    public var resolvedBy: String?
    public var resolvedAt: Date?
    /// Notifications wait until then (a snooze).
    public var snoozedUntil: Date?
    /// A low-urgency alert outside its service's support hours waits until they start.
    public var heldUntil: Date?
    /// The escalation level paged last (0 = the first), and how many times the policy looped.
    public var escalationLevel: Int
    public var escalationLoop: Int
    /// When the next level is paged if nobody acknowledges.
    public var nextEscalationAt: Date?
    /// Who was paged last (handles), and who the next level would page then.
    public var paged: [String]
    public var nextPaged: [String] = []
    /// Triggers folded into it (1 for a new one).
    public var triggerCount: Int
    public var timeline: [TimelineEntry]

    public init(id: Int64 = 0, dedupKey: String, summary: String, source: String, severity: Severity, urgency: Urgency,
                state: State = .triggered, service: String? = nil, environment: String? = nil, component: String? = nil,
                group: String? = nil, eventClass: String? = nil, customDetails: String? = nil, integration: String,
                createdAt: Date, timeline: [TimelineEntry] = []) {
        self.id = id
        self.dedupKey = dedupKey
        self.summary = summary
        self.source = source
        self.severity = severity
        self.urgency = urgency
        self.state = state
        self.service = service
        self.environment = environment
        self.component = component
        self.group = group
        self.eventClass = eventClass
        self.customDetails = customDetails
        self.integration = integration
        self.createdAt = createdAt
        self.updatedAt = createdAt
        self.escalationLevel = 0
        self.escalationLoop = 0
        self.paged = []
        self.triggerCount = 1
        self.timeline = timeline
    }

    public var isOpen: Bool { state != .resolved }
    /// The number the screen and the CLI show: `#12`.
    public var number: String { "#\(id)" }
}

/// One thing that happened to an incident.
public struct TimelineEntry: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case trigger, retrigger, acknowledge, resolve, note, notify, delivery, escalate, snooze, hold, raise, unacknowledge
    }

    public var at: Date
    public var kind: Kind
    /// Who did it (a person's handle, an integration, `shipdeck`).
    public var by: String
    public var text: String

    public init(at: Date, kind: Kind, by: String, text: String) {
        self.at = at
        self.kind = kind
        self.by = by
        self.text = text
    }
}
