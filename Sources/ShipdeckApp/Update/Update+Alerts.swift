import Foundation
import ShipdeckCore
import TerminalUI

extension Model {
    /// The alert behind the Alerts pane's selected row; its detail shows the same one.
    var selectedIncident: Incident? {
        guard let snapshot, let position = selection[.alerts], position < PaneRows.visibleCount(.alerts, model: self) else { return nil }
        let index = PaneRows.sourceIndex(.alerts, position: position, model: self)
        guard index < filterCache.alertOrder.count, filterCache.alertOrder[index] < snapshot.alerts.count else { return nil }
        return snapshot.alerts[filterCache.alertOrder[index]]
    }

    /// The row of the Alerts pane that shows alert `id`, if one does.
    func alertPosition(of id: Int64) -> Int? {
        guard let snapshot, let index = filterCache.alertOrder.firstIndex(where: { snapshot.alerts.indices.contains($0) && snapshot.alerts[$0].id == id })
        else { return nil }
        guard let matching = filterCache.indices[.alerts] else { return index }
        return matching.firstIndex(of: index)
    }

    /// `alerts.bell`: whether a new high-urgency alert rings the bell (default: yes).
    var alertBell: Bool { snapshot?.workspace.alertBell ?? true }
    /// `alerts.change_window`: how far before an alert its detail looks for changes (default: an hour).
    var alertChangeWindow: Double { snapshot?.workspace.alertChangeWindow ?? 3600 }

    /// Where a dialog opened on an alert goes back to: the alert's detail when it was open.
    var alertDialogReturn: Mode { mode == .detail ? .detail : .normal }
}

/// The Alerts pane's keys on the selected alert: acknowledge, resolve (confirm), note (type it),
/// snooze (choose how long), roll its service back (confirm).
func updateAlerts(_ model: inout Model, _ action: Action) -> [Effect] {
    guard let incident = model.selectedIncident else {
        model.notice = Notice("No alert selected", level: .warning)
        return []
    }
    let after = model.alertDialogReturn
    switch action {
    case .acknowledgeSelectedAlert:
        switch incident.state {
        case .triggered:
            model.notice = Notice("Acknowledging \(incident.number): its escalation stops")
            return [.perform(.acknowledgeIncident(id: incident.id))]
        case .acknowledged:
            model.notice = Notice("\(incident.number) is already acknowledged by \(incident.acknowledgedBy ?? "someone")", level: .warning)
        case .resolved:
            model.notice = Notice("\(incident.number) is resolved", level: .warning)
        }
    case .resolveSelectedAlert:
        guard incident.isOpen else { return alreadyResolved(&model, incident) }
        model.mode = .confirm(Confirmation(
            title: "Resolve \(incident.number)?",
            lines: [incident.summary, "Its pages stop; the next trigger with its key opens a new alert."],
            confirmLabel: "Resolve", action: .perform(.resolveIncident(id: incident.id)), after: after))
    case .promptAlertNote:
        model.mode = .prompt(TextPrompt(title: "Note on \(incident.number)", lines: [incident.summary],
                                        purpose: .incidentNote(id: incident.id), after: after))
    case .promptAlertSnooze:
        guard incident.isOpen else { return alreadyResolved(&model, incident) }
        model.mode = .picker(snoozePicker(incident, model: model, after: after))
    case .rollbackAlertService:
        let changes = AlertChanges(incident, snapshot: model.snapshot, window: model.alertChangeWindow)
        guard let row = changes.row, case .to = changes.rollback else {
            if case .unavailable(let why) = changes.rollback { model.notice = Notice("Cannot roll back: \(why)", level: .warning) }
            return []
        }
        return rollback(&model, row, after: after)
    default: break
    }
    return []
}

private func alreadyResolved(_ model: inout Model, _ incident: Incident) -> [Effect] {
    model.notice = Notice("\(incident.number) is already resolved", level: .warning)
    return []
}

/// The snoozes `s` offers; each says when the alert pages again.
func snoozePicker(_ incident: Incident, model: Model, after: Mode) -> Picker {
    let entries = [15 * 60.0, 3600, 4 * 3600].map { seconds in
        let until = ClockFormat.time(model.now.addingTimeInterval(seconds), in: model.timeZone)
        return Picker.Entry(label: "\(CheckView.length(seconds).padded(to: 7)) pages again at \(until) unless resolved",
                            action: .perform(.snoozeIncident(id: incident.id, seconds: seconds)))
    }
    return Picker(title: "Snooze \(incident.number) — no pages meanwhile", entries: entries, after: after)
}

/// Keys of a text prompt: type, Enter sends (not when empty), Esc closes.
func promptKey(_ model: inout Model, _ prompt: inout TextPrompt, _ key: Key) -> [Effect] {
    switch key {
    case .escape:
        model.mode = prompt.after
    case .enter:
        let text = prompt.field.text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else {
            model.notice = Notice("Type the note first (Esc cancels)", level: .warning)
            return []
        }
        model.mode = prompt.after
        if case .incidentNote(let id) = prompt.purpose { model.notice = Notice("Adding the note to #\(id)") }
        return update(&model, prompt.action(text))
    default:
        prompt.field.handle(key)
        model.mode = .prompt(prompt)
    }
    return []
}

/// j/k and the page keys scroll an alert's detail.
func alertDetailKey(_ model: inout Model, _ key: Key) -> [Effect] {
    guard let incident = model.selectedIncident else { return [] }
    let height = AlertDetailView.detailHeight(model)
    let last = max(0, AlertDetailView.lines(incident, model: model).count - height)
    switch key {
    case .character("j"), .down: model.alertDetailOffset += 1
    case .character("k"), .up: model.alertDetailOffset -= 1
    case .pageDown: model.alertDetailOffset += height
    case .pageUp: model.alertDetailOffset -= height
    default: break
    }
    model.alertDetailOffset = max(0, min(last, model.alertDetailOffset))
    return []
}

/// What a core event means for the Alerts pane. A new high-urgency alert (one the snapshot did not
/// hold, triggered and not held) flashes the pane, says so in the status line and rings the bell
/// (`alerts.bell`); an update of a known alert, or a low-urgency one, does none of it.
func alertEffects(_ model: inout Model, _ change: CoreEvent.Change, known: Bool) -> [Effect] {
    guard case .incidentUpdated(let incident) = change, !known, incident.urgency == .high, incident.state == .triggered,
          incident.heldUntil == nil else { return [] }
    model.alertFlash = AlertFlash(incident: incident.id)
    model.notice = Notice("New alert \(incident.number) \(AlertView.severityLabel(incident.severity, short: false)): \(incident.summary)", level: .error)
    return model.alertBell ? [.bell] : []
}

/// Whether the snapshot already holds the incident a change is about (before it is applied).
func alertIsKnown(_ model: Model, _ change: CoreEvent.Change) -> Bool {
    guard case .incidentUpdated(let incident) = change else { return true }
    // Without a snapshot nothing was shown yet: nothing is new to the person either.
    guard let snapshot = model.snapshot else { return true }
    return snapshot.alerts.contains { $0.id == incident.id }
}
