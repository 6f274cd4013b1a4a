import Foundation
import ShipdeckCore
import TerminalUI

/// The check detail of an instance: open it, fetch it (again), run the check now, schedule and
/// cancel downtime.
func updateCheck(_ model: inout Model, _ action: Action) -> [Effect] {
    switch action {
    case .openCheckDetail:
        guard let instance = model.selectedInstance, let row = model.selectedFleetRow else {
            model.notice = Notice("Open a service with Enter and choose an instance with j/k first", level: .warning)
            return []
        }
        model.check = CheckViewState(instance: instance.id, service: row.service, environment: row.environment)
        model.mode = .check
        return [.loadCheckDetail(instance: instance.id)]
    case .checkDetailLoaded(let detail):
        guard var check = model.check, check.instance == detail.instance else { return [] }
        check.detail = detail
        check.error = nil
        return finishLoad(&model, &check)
    case .checkDetailFailed(let instance, let message):
        guard var check = model.check, check.instance == instance else { return [] }
        check.error = message
        return finishLoad(&model, &check)
    case .reloadCheckDetail(let instance):
        guard model.check?.instance == instance else { return [] }
        return reloadCheck(&model)
    case .forceCheckNow:
        guard let check = model.check else { return [] }
        return updateCheck(&model, .checkCommands([.forceCheck(instance: check.instance)], instance: check.instance))
    case .promptDowntime:
        guard let check = model.check else { return [] }
        model.mode = .picker(downtimePicker(check, model: model))
    case .cancelDowntimes:
        guard let check = model.check else { return [] }
        let downtimes = check.detail?.downtimes ?? []
        guard !downtimes.isEmpty else {
            model.notice = Notice("No downtime covers \(check.instance); w schedules one", level: .warning)
            return []
        }
        let lines = downtimes.map { CheckView.downtimeText($0, model: model) } + ["HARD problems of what it covers page again from now on."]
        model.mode = .confirm(Confirmation(
            title: downtimes.count == 1 ? "End this downtime now?" : "End these \(downtimes.count) downtimes now?", lines: lines,
            confirmLabel: "End downtime", action: .checkCommands(downtimes.map { .cancelDowntime(id: $0.id) }, instance: check.instance),
            after: .check))
    case .checkCommands(let commands, let instance):
        model.notice = commands.first.map { Notice(noticeText($0, count: commands.count)) }
        return commands.map { .performThen($0, then: .reloadCheckDetail(instance: instance)) }
    default: break
    }
    return []
}

/// A fetch is in: show it, and fetch again when a change arrived meanwhile.
private func finishLoad(_ model: inout Model, _ check: inout CheckViewState) -> [Effect] {
    check.loading = false
    let again = check.reloadWanted
    check.reloadWanted = false
    model.check = check
    return again ? reloadCheck(&model) : []
}

/// Fetches the open check detail again; while a fetch runs, asks for one more once it is in.
private func reloadCheck(_ model: inout Model) -> [Effect] {
    guard var check = model.check else { return [] }
    if check.loading {
        check.reloadWanted = true
        model.check = check
        return []
    }
    check.loading = true
    model.check = check
    return [.loadCheckDetail(instance: check.instance)]
}

/// Core events that concern health: a HARD change (or flapping starting or stopping) shows a
/// notice; a change of the open check's service or instance fetches its detail again.
func healthEffects(_ model: inout Model, _ change: CoreEvent.Change) -> [Effect] {
    switch change {
    case .healthChanged(let event):
        if let notice = healthNotice(event) { model.notice = notice }
        return model.check?.instance == event.instance ? reloadCheck(&model) : []
    case .fleetUpdated(let row):
        return model.check?.concerns(service: row.service, environment: row.environment) == true ? reloadCheck(&model) : []
    default:
        return []
    }
}

/// The status line's words for a health event: `orders-test-3-1 CRITICAL HARD: HTTP CRITICAL: 503
/// (alerts held: downtime)`; nil for SOFT changes and downtime starting or ending.
func healthNotice(_ event: HealthEvent) -> Notice? {
    let held = event.suppressed.map { " (alerts held: \($0))" } ?? ""
    switch event.kind {
    case .hard:
        let level: Notice.Level = event.status == .ok ? .info : event.status == .critical ? .error : .warning
        return Notice("\(event.instance) \(event.status.label) HARD: \(event.output)\(held)", level: level)
    case .flappingStarted:
        return Notice("\(event.instance) is FLAPPING (\(event.status.label) \(event.attempt)): its alerts are held until it settles", level: .warning)
    case .flappingStopped:
        return Notice("\(event.instance) stopped flapping: \(event.status.label) \(event.stateType.rawValue.uppercased())")
    case .soft, .downtimeStarted, .downtimeEnded:
        return nil
    }
}

/// The fixed and flexible downtimes `w` offers: for the instance, then for every instance of its
/// service in the environment. Picking one goes back to the check detail.
func downtimePicker(_ check: CheckViewState, model: Model) -> Picker {
    let fixed: [Double] = [30 * 60, 3600, 2 * 3600, 4 * 3600]
    let flexible = (duration: 3600.0, window: 4 * 3600.0)
    let protected = model.snapshot?.workspace.environments.first { $0.name == check.environment }?.protected == true
    var entries: [Picker.Entry] = []
    for instance in [check.instance as String?, nil] {
        let target = instance ?? "every instance of \(check.service) in \(check.environment)"
        var choices = fixed.map { (label: "\(target): \(CheckView.length($0)) from now", duration: $0, window: nil as Double?) }
        choices.append((label: "\(target): \(CheckView.length(flexible.duration)) from its next problem within \(CheckView.length(flexible.window))",
                        duration: flexible.duration, window: flexible.window))
        for choice in choices {
            let command = CoreCommand.scheduleDowntime(service: check.service, environment: check.environment, instance: instance,
                                                       duration: choice.duration, flexibleWindow: choice.window, comment: "")
            let run = Action.checkCommands([command], instance: check.instance)
            let action: Action = protected ? .confirm(Confirmation(
                title: "Hold alerts in \(check.environment)?", lines: [choice.label, "\(check.environment) is protected: nobody is paged for it meanwhile."],
                confirmLabel: "Schedule", action: run, after: .check)) : run
            entries.append(Picker.Entry(label: choice.label, action: action))
        }
    }
    return Picker(title: "Schedule downtime — alerts are held meanwhile", entries: entries, after: .check)
}

/// What the status line says while a command on a check runs.
private func noticeText(_ command: CoreCommand, count: Int) -> String {
    switch command {
    case .scheduleDowntime(let service, let environment, let instance, let duration, let window, _):
        let target = instance ?? "every instance of \(service) in \(environment)"
        return window == nil ? "Downtime for \(target): \(CheckView.length(duration))"
            : "Downtime for \(target): \(CheckView.length(duration)) once a problem starts"
    case .cancelDowntime: return count == 1 ? "Ending the downtime" : "Ending \(count) downtimes"
    case .forceCheck(let instance): return "Checking \(instance) now…"
    default: return "Working…"
    }
}

/// Keys of the check detail, looked up in `Keymap.checkDetail`: scrolling and back here, the rest
/// through `update`.
func checkKey(_ model: inout Model, _ key: Key) -> [Effect] {
    guard let action = Keymap.checkAction(for: key), var check = model.check else { return [] }
    let height = CheckView.height(model)
    let last = max(0, CheckView.lines(check, model: model).count - height)
    switch action {
    case .back:
        model.check = nil
        model.mode = .detail
        return []
    case .move(let delta): check.offset = max(0, min(last, check.offset + delta))
    case .pageDown: check.offset = min(last, check.offset + height)
    case .pageUp: check.offset = max(0, check.offset - height)
    default: return update(&model, action)
    }
    model.check = check
    return []
}
