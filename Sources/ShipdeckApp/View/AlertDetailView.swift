import Foundation
import ShipdeckCore
import TerminalUI

/// An alert's detail: what it is, who is paged now and next, held or snoozed, what changed just
/// before it opened (with the rollback key), and its timeline.
enum AlertDetailView {
    /// The detail of the selected alert, in the box the other panes' details use; `j`/`k` scroll it.
    static func render(_ incident: Incident, model: Model, into screen: inout Screen) {
        let box = detailBox(model, screen: screen.bounds)
        let title = "\(incident.number) \(AlertView.severityLabel(incident.severity, short: false)) · \(AlertView.stateLabel(incident, short: false))"
        let inner = dialogPanel(title, model: model, area: box, into: &screen)
        guard !inner.isEmpty else { return }
        let content = lines(incident, model: model)
        let start = min(model.alertDetailOffset, max(0, content.count - inner.height))
        for (row, line) in content.dropFirst(start).prefix(inner.height).enumerated() {
            screen.put(line, x: inner.x + 1, y: inner.y + row, width: inner.width - 2)
        }
    }

    /// Where the detail's box goes: over the pane when it is full screen, else over the overview.
    static func detailBox(_ model: Model, screen: Rect) -> Rect {
        guard let area = model.layout.panes[.alerts] else { return screen }
        return model.zoomed ? area.inset(top: 1, left: 2, bottom: 1, right: 2) : screen.inset(top: 2, left: 4, bottom: 2, right: 4)
    }

    /// The rows of content the detail shows at once.
    static func detailHeight(_ model: Model) -> Int { max(1, detailBox(model, screen: Rect(size: model.size)).height - 2) }

    /// Every line of an alert's detail: what it is, who is paged now and next, held or snoozed,
    /// what changed just before it opened (with the rollback key), and its timeline, newest first.
    static func lines(_ incident: Incident, model: Model) -> [[Span]] {
        let theme = model.theme
        // Roles' colours on the dialog's background, so the detail reads as one box.
        func role(_ role: ThemeRole) -> Style { Style(foreground: theme[role].foreground, background: theme[.dialog].background, attributes: theme[role].attributes) }
        let text = theme[.dialog], muted = role(.muted)
        var lines: [[Span]] = []
        func field(_ name: String, _ spans: [Span]) { lines.append([Span(name.padded(to: 14), role(.header))] + spans) }
        let now = model.now
        func when(_ date: Date) -> String { "\(ClockFormat.time(date, in: model.timeZone)) (\(ClockFormat.age(date, now: now)))" }

        lines.append([Span(incident.summary, text.adding(.bold))])
        lines.append([])
        field("State", [Span(AlertView.stateLabel(incident, short: false), role(AlertView.stateRole(incident)).adding(.bold)),
                        Span(" · \(incident.urgency.rawValue) urgency · \(incident.severity.rawValue)", text)])
        let service = incident.service.map { $0 + (incident.environment.map { " in \($0)" } ?? "") } ?? "—"
        field("Service", [Span(service, text), Span(" · source \(incident.source) · via \(incident.integration)", muted)])
        let triggers = incident.triggerCount == 1 ? "" : " · \(incident.triggerCount) triggers"
        field("Opened", [Span(when(incident.createdAt) + triggers, text)])
        switch incident.state {
        case .triggered:
            let level = "level \(incident.escalationLevel + 1)" + (incident.escalationLoop > 0 ? ", loop \(incident.escalationLoop + 1)" : "")
            field("Paged now", incident.paged.isEmpty ? [Span("nobody yet", role(.warning))]
                  : [Span(incident.paged.joined(separator: ", "), role(.info)), Span(" (\(level))", muted)])
            if let at = incident.nextEscalationAt {
                let who = incident.nextPaged.isEmpty ? "the next level" : incident.nextPaged.joined(separator: ", ")
                field("Next", [Span(who, role(.info)), Span(" at \(ClockFormat.time(at, in: model.timeZone)) (in \(ClockFormat.duration(from: now, to: at)))", text),
                               Span(" unless someone acknowledges", muted)])
            } else {
                field("Next", [Span(incident.heldUntil == nil ? "nobody: the escalation policy is done" : "nobody until it is raised", muted)])
            }
        case .acknowledged:
            field("Acknowledged", [Span("by \(incident.acknowledgedBy ?? "—")", role(.info))] + (incident.acknowledgedAt.map { [Span(" at \(when($0))", text)] } ?? []))
            if !incident.paged.isEmpty { field("Paged", [Span(incident.paged.joined(separator: ", "), text)]) }
        case .resolved:
            if let by = incident.acknowledgedBy { field("Acknowledged", [Span("by \(by)", text)]) }
            field("Resolved", [Span("by \(incident.resolvedBy ?? "—")", role(.ok))] + (incident.resolvedAt.map { [Span(" at \(when($0))", text)] } ?? []))
        }
        if incident.isOpen, let until = incident.snoozedUntil {
            field("Snoozed", [Span("until \(ClockFormat.time(until, in: model.timeZone)) (in \(ClockFormat.duration(from: now, to: until)))", role(.warning)),
                              Span(": no pages meanwhile, then it triggers again", muted)])
        }
        if incident.isOpen, let until = incident.heldUntil {
            field("Held", [Span("until \(ClockFormat.time(until, in: model.timeZone)) (in \(ClockFormat.duration(from: now, to: until)))", role(.warning)),
                           Span(": low urgency outside its service's support hours", muted)])
        }
        field("Dedup key", [Span(incident.dedupKey, muted)])
        lines.append([])

        lines += changeLines(incident, model: model, text: text, muted: muted, role: role)
        lines.append([])

        lines.append([Span("Timeline", role(.header)), Span(" (newest first)", muted)])
        if incident.timeline.isEmpty { lines.append([Span("  nothing yet", muted)]) }
        for entry in incident.timeline.reversed() {
            lines.append([Span("  " + ClockFormat.time(entry.at, in: model.timeZone).padded(to: 10), muted),
                          Span(entry.kind.rawValue.padded(to: 14), role(timelineRole(entry.kind))),
                          Span(entry.by.padded(to: 12), role(.info)), Span(entry.text, text)])
        }
        lines.append([])
        if let keys = Keymap.modeKeys.first(where: { $0.0 == "Alert detail" })?.1 { lines.append([Span(keys, muted)]) }
        return lines
    }

    /// "What changed just before": the service's deploys (in the alert's environment) and builds
    /// in `alerts.change_window` before the alert opened, and what `R` would roll back to.
    static func changeLines(_ incident: Incident, model: Model, text: Style, muted: Style, role: (ThemeRole) -> Style) -> [[Span]] {
        let window = model.alertChangeWindow
        var lines: [[Span]] = [[Span("What changed before it opened", role(.header)), Span(" (\(CheckView.length(window)) before)", muted)]]
        guard let service = incident.service else {
            lines.append([Span("  it names no service", muted)])
            return lines
        }
        let changes = AlertChanges(incident, snapshot: model.snapshot, window: window)
        lines.append([Span("  Deploys of \(service)" + (incident.environment.map { " to \($0)" } ?? ""), text.adding(.bold))])
        if changes.deploys.isEmpty { lines.append([Span("    none", muted)]) }
        for deploy in changes.deploys {
            let outcome = deploy.outcome.rawValue
            lines.append([Span("    " + ClockFormat.time(deploy.startedAt, in: model.timeZone).padded(to: 10), muted),
                          Span(deploy.image.padded(to: 14), text), Span(deploy.environment.padded(to: 7), role(.info)),
                          Span(outcome.padded(to: 10), role(deploy.outcome == .succeeded ? .ok : deploy.outcome == .failed ? .critical : .warning)),
                          Span("by \(deploy.by) (\(deploy.source))" + (deploy.build.map { " from \($0)" } ?? ""), muted)])
        }
        lines.append([Span("  Builds of \(service)", text.adding(.bold))])
        if changes.builds.isEmpty { lines.append([Span("    none", muted)]) }
        for build in changes.builds {
            lines.append([Span("    " + ClockFormat.time(build.createdAt, in: model.timeZone).padded(to: 10), muted),
                          Span(build.name.padded(to: 14), text), Span(build.state.rawValue.padded(to: 10), role(BuildGlyphs.role(build.state))),
                          Span(String(build.commit.prefix(8)).padded(to: 9), role(.info)), Span(build.message, text), Span("  \(build.author)", muted)])
        }
        switch changes.rollback {
        case .to(let from, let to):
            lines.append([Span("  R", role(.key)), Span(" rolls \(service) back in \(incident.environment ?? "") from \(from) to \(to) (asks first)", text)])
        case .unavailable(let why):
            lines.append([Span("  R", role(.key)), Span(" cannot roll back: \(why)", muted)])
        }
        return lines
    }

    static func timelineRole(_ kind: TimelineEntry.Kind) -> ThemeRole {
        switch kind {
        case .trigger, .retrigger, .escalate, .unacknowledge: return .critical
        case .acknowledge, .snooze, .hold: return .warning
        case .resolve: return .ok
        case .note: return .text
        case .notify, .delivery, .raise: return .info
        }
    }
}

