import Foundation
import ShipdeckCore
import TerminalUI

/// How alerts look in the Alerts pane: their order, columns and words (`AlertDetailView` draws one
/// alert's detail).
enum AlertView {
    /// The pane's order as indices into `snapshot.alerts`: triggered, then acknowledged (each newest
    /// first), then resolved (most recently resolved first).
    static func order(_ alerts: [Incident]) -> [Int] {
        func rank(_ state: Incident.State) -> Int { state == .triggered ? 0 : state == .acknowledged ? 1 : 2 }
        return alerts.indices.sorted { a, b in
            let x = alerts[a], y = alerts[b]
            if rank(x.state) != rank(y.state) { return rank(x.state) < rank(y.state) }
            let (u, v) = x.state == .resolved ? (x.resolvedAt ?? x.updatedAt, y.resolvedAt ?? y.updatedAt) : (x.createdAt, y.createdAt)
            return u != v ? u > v : x.id > y.id
        }
    }

    static let header = ["#", "Sev", "Urg", "State", "Service", "Summary", "Age", "Who"]

    /// Whether the pane is wide enough for every column and the long words.
    static func isWide(_ total: Int) -> Bool { total >= 96 }

    /// Column widths for a pane `total` cells wide; a column of width 0 is left out.
    static func widths(total: Int) -> [Int] {
        if isWide(total) { return [6, 9, 5, 13, 14, max(8, total - 68), 5, 16] }
        let who = total >= 60 ? 12 : 0
        return [5, 5, 0, 7, 0, max(6, total - 21 - who), 4, who]
    }

    /// The inner width of the Alerts pane as the model lays it out.
    static func paneWidth(_ model: Model) -> Int { max(0, (model.layout.panes[.alerts]?.width ?? 0) - 2) }

    static func row(_ incident: Incident, model: Model) -> PaneRow {
        let wide = isWide(paneWidth(model))
        let service = [incident.service, incident.environment].compactMap { $0 }.joined(separator: "/")
        let resolved = incident.state == .resolved
        return PaneRow(
            id: String(incident.id),
            cells: [incident.number, severityLabel(incident.severity, short: !wide), incident.urgency.rawValue, stateLabel(incident, short: !wide),
                    service.isEmpty ? "—" : service, incident.summary, age(incident.createdAt, now: model.now), who(incident)],
            styles: [.muted, resolved ? .muted : severityRole(incident.severity), incident.urgency == .high && !resolved ? .text : .muted,
                     stateRole(incident), .muted, resolved ? .muted : .text, .muted, .info])
    }

    /// What a filter searches in an alert.
    static func searchText(_ incident: Incident) -> String {
        [incident.number, incident.summary, incident.service ?? "", incident.environment ?? "", incident.severity.rawValue,
         incident.urgency.rawValue, stateLabel(incident, short: false), who(incident)].joined(separator: " ")
    }

    /// `CRITICAL` (short: `CRIT`).
    static func severityLabel(_ severity: Incident.Severity, short: Bool) -> String {
        guard short else { return severity.rawValue.uppercased() }
        switch severity {
        case .critical: return "CRIT"
        case .error: return "ERR"
        case .warning: return "WARN"
        case .info: return "INFO"
        }
    }

    static func severityRole(_ severity: Incident.Severity) -> ThemeRole {
        switch severity {
        case .critical, .error: return .critical
        case .warning: return .warning
        case .info: return .info
        }
    }

    /// `triggered`, `acknowledged`, `resolved`; an open alert whose pages wait says `snoozed` or `held`.
    static func stateLabel(_ incident: Incident, short: Bool) -> String {
        let word: String
        if incident.isOpen, incident.snoozedUntil != nil { word = "snoozed" }
        else if incident.isOpen, incident.heldUntil != nil { word = "held" }
        else { word = incident.state.rawValue }
        guard short else { return word }
        return ["triggered": "trig", "acknowledged": "ack", "resolved": "res"][word] ?? word
    }

    static func stateRole(_ incident: Incident) -> ThemeRole {
        switch incident.state {
        case .triggered: return incident.heldUntil == nil ? .critical : .warning
        case .acknowledged: return .warning
        case .resolved: return .ok
        }
    }

    /// Who is paged now (triggered), or who acknowledged or resolved it.
    static func who(_ incident: Incident) -> String {
        switch incident.state {
        case .triggered: return incident.paged.isEmpty ? "—" : incident.paged.joined(separator: ",")
        case .acknowledged: return incident.acknowledgedBy ?? "—"
        case .resolved: return incident.resolvedBy ?? "—"
        }
    }

    /// `<1m`, `12m`, `3h`, `2d`: coarse, so the pane changes once a minute at most.
    static func age(_ date: Date, now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds < 60 { return "<1m" }
        if seconds < 3600 { return "\(seconds / 60)m" }
        if seconds < 86400 { return "\(seconds / 3600)h" }
        return "\(seconds / 86400)d"
    }

    /// The pane's frame while it flashes: border and title in alarm colours.
    static func flashTheme(_ theme: Theme) -> Theme {
        var copy = theme
        copy.styles[.border] = theme[.critical]
        copy.styles[.borderFocused] = theme[.critical]
        copy.styles[.title] = theme[.notice]
        copy.styles[.titleFocused] = theme[.notice]
        copy.styles[.muted] = theme[.critical]
        return copy
    }
}
