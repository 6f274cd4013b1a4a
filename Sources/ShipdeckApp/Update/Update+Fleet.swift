import Foundation
import ShipdeckCore
import TerminalUI

extension Model {
    /// The Fleet pane's selected service and environment.
    var selectedFleetRow: FleetRow? {
        guard let snapshot else { return nil }
        return DetailView.selectedItem(.fleet, model: self, in: snapshot.fleet)
    }

    /// The instances a service's detail lists, in its order.
    func detailInstances(_ row: FleetRow) -> [InstanceRecord] { row.instances }

    /// The selected instance in a service's Fleet detail.
    var selectedInstance: InstanceRecord? {
        guard mode == .detail, focus == .fleet, let row = selectedFleetRow else { return nil }
        let instances = detailInstances(row)
        return instances.indices.contains(detailInstance) ? instances[detailInstance] : nil
    }
}

/// Fleet actions: deploy (pick an image, confirm), rollback (confirm), restart and stop an instance.
func updateFleet(_ model: inout Model, _ action: Action) -> [Effect] {
    switch action {
    case .deploySelected:
        guard let row = model.selectedFleetRow else { return noService(&model) }
        guard !row.images.isEmpty else {
            model.notice = Notice("\(row.service) has no image yet: a build's deploy step makes one", level: .warning)
            return []
        }
        let entries = row.images.map { image in
            let current = image.tag == row.image ? "  (running)" : ""
            let label = "\(image.tag.padded(to: 16)) \(image.commit.prefix(8))  \(ClockFormat.age(image.createdAt, now: model.now).padded(to: 9)) \(image.message)\(current)"
            return Picker.Entry(label: label, action: .confirm(deployConfirmation(row, image: image, model: model)))
        }
        model.mode = .picker(Picker(title: "Deploy \(row.service) to \(row.environment) — choose an image", entries: entries))
    case .rollbackSelected:
        guard let row = model.selectedFleetRow else { return noService(&model) }
        return rollback(&model, row)
    case .restartSelectedInstance:
        guard let instance = model.selectedInstance else { return noInstance(&model) }
        model.notice = Notice("Restarting \(instance.id): a fresh instance joins first, then this one drains")
        return [.perform(.restartInstance(id: instance.id))]
    case .stopSelectedInstance:
        guard let instance = model.selectedInstance else { return noInstance(&model) }
        model.mode = .confirm(Confirmation(
            title: "Stop \(instance.id)?", lines: ["It leaves the endpoint, finishes its requests, then stops (TERM, then KILL).",
                                                   "It is not restarted until the next deploy or restart."],
            confirmLabel: "Stop", action: .perform(.stopInstance(id: instance.id))))
    case .instanceLogLoaded(let id, let lines):
        guard case .log(var log) = model.mode, log.instance == id else { return [] }
        let known = log.lines.last?.line ?? 0
        log.lines += lines.filter { $0.line > known }
        log.loading = false
        if log.follow { log.offset = max(0, log.lines.count - logHeight(model)) }
        model.mode = .log(log)
        if lines.count >= LogViewState.pageSize { return [.loadInstanceLog(id: id, after: log.lines.last?.line ?? 0)] }
    default: break
    }
    return []
}

/// Asks before rolling `row`'s service back to its previous good image (the Fleet pane's `R`, and
/// `R` on an alert); says so when there is none.
func rollback(_ model: inout Model, _ row: FleetRow, after: Mode = .normal) -> [Effect] {
    guard let previous = row.previousGoodImage else {
        model.notice = Notice("\(row.name) has no earlier good image to roll back to", level: .warning)
        return []
    }
    let warm = row.instances.contains { !$0.active && $0.image == previous && $0.state != .crashed }
    model.mode = .confirm(Confirmation(
        title: "Roll back \(row.name)?",
        lines: ["From \(row.image ?? "nothing") to \(previous).",
                warm ? "Its group is still warm: traffic switches back at once." : "It is redeployed through the health gate.",
                protectedNote(row, model: model)].filter { !$0.isEmpty },
        confirmLabel: "Roll back", action: .perform(.rollback(service: row.service, environment: row.environment)), after: after))
    return []
}

private func deployConfirmation(_ row: FleetRow, image: ImageRecord, model: Model) -> Confirmation {
    Confirmation(title: "Deploy \(image.tag) to \(row.environment)?",
                 lines: ["\(image.commit.prefix(12))  \(image.message)",
                         "\(row.desiredInstances) new instance\(row.desiredInstances == 1 ? "" : "s") must pass their health check before traffic switches.",
                         protectedNote(row, model: model)].filter { !$0.isEmpty },
                 confirmLabel: "Deploy", action: .perform(.deploy(service: row.service, environment: row.environment, image: image.tag)))
}

private func protectedNote(_ row: FleetRow, model: Model) -> String {
    let protected = model.snapshot?.workspace.environments.first { $0.name == row.environment }?.protected == true
    return protected ? "\(row.environment) is protected: only its deployers may do this." : ""
}

private func noService(_ model: inout Model) -> [Effect] {
    model.notice = Notice("No service selected", level: .warning)
    return []
}

private func noInstance(_ model: inout Model) -> [Effect] {
    model.notice = Notice("Open a service with Enter and choose an instance with j/k first", level: .warning)
    return []
}

/// j/k choose an instance in a service's Fleet detail; Enter opens its output.
func fleetDetailKey(_ model: inout Model, _ key: Key) -> [Effect] {
    guard let row = model.selectedFleetRow else { return [] }
    let count = model.detailInstances(row).count
    switch key {
    case .character("j"), .down: model.detailInstance = min(max(0, count - 1), model.detailInstance + 1)
    case .character("k"), .up: model.detailInstance = max(0, model.detailInstance - 1)
    case .enter:
        guard let instance = model.selectedInstance else { return [] }
        model.mode = .log(LogViewState(instance: instance.id))
        return [.loadInstanceLog(id: instance.id, after: 0)]
    default: break
    }
    return []
}

/// Keys of a picker: move, pick, close.
func pickerKey(_ model: inout Model, _ picker: inout Picker, _ key: Key) -> [Effect] {
    switch key {
    case .escape, .character("q"): model.mode = picker.after
    case .character("j"), .down: picker.selected = min(picker.entries.count - 1, picker.selected + 1); model.mode = .picker(picker)
    case .character("k"), .up: picker.selected = max(0, picker.selected - 1); model.mode = .picker(picker)
    case .enter:
        model.mode = picker.after
        guard picker.entries.indices.contains(picker.selected) else { return [] }
        return update(&model, picker.entries[picker.selected].action)
    default: break
    }
    return []
}
