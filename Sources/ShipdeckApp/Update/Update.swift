import Foundation
import ShipdeckCore
import TerminalUI

/// Applies `action` to `model` and returns the effects to run. Pure: no I/O, no clock.
public func update(_ model: inout Model, _ action: Action) -> [Effect] {
    var effects: [Effect] = []
    // The alert selected before a core event stays selected after it, wherever it moves.
    var keepAlert: Int64?
    switch action {
    case .key(let key):
        if model.notice != nil { model.notice = nil }
        effects = handleKey(&model, key)
    case .paste(let text):
        switch model.mode {
        case .filter(var field): field.insert(text); model.mode = .filter(field)
        case .palette(var field, _): field.insert(text); model.mode = .palette(field, selected: 0)
        case .prompt(var prompt): prompt.field.insert(text); model.mode = .prompt(prompt)
        case .cardForm(var form): form.values[form.focused].insert(text); model.mode = .cardForm(form)
        default: break
        }
    case .mouse(let event): handleMouse(&model, event)
    case .resize(let size): model.size = size
    case .tick(let date):
        // The clock changes nothing else: no filtering, no scrolling work; a followed log of a
        // running job fetches its new lines.
        model.now = date
        if var flash = model.alertFlash {
            flash.ticksLeft -= 1
            model.alertFlash = flash.ticksLeft > 0 ? flash : nil
        }
        if case .log(let log) = model.mode, log.follow, !log.loading, let id = log.instance {
            return [.loadInstanceLog(id: id, after: log.lines.last?.line ?? 0)]
        }
        if case .log(let log) = model.mode, log.follow, !log.loading, model.jobIsRunning(log) {
            return [.loadLog(service: log.service, number: log.number, job: log.job, attempt: log.attempt, after: log.lines.last?.line ?? 0)]
        }
        return []
    case .core(let event):
        model.snapshotVersion += 1
        for pane in PaneID.touched(by: event.change) { model.paneVersions[pane, default: 0] += 1 }
        let known = alertIsKnown(model, event.change)
        switch event.change {
        case .incidentUpdated, .snapshot: keepAlert = model.selectedIncident?.id
        default: break
        }
        if model.snapshot == nil {
            if case .snapshot(let whole) = event.change { model.snapshot = whole }
        } else {
            model.snapshot!.apply(event.change)
        }
        if case .notice(let text) = event.change { model.notice = Notice(text) }
        effects += healthEffects(&model, event.change)
        effects += alertEffects(&model, event.change, known: known)
        if case .cardUpdated(let card) = event.change, model.mode == .detail, model.focus == .board, card.id == model.selectedCard {
            effects.append(.loadCardHistory(id: card.id))
        }
        if case .buildUpdated(let build) = event.change, case .log(let log) = model.mode, build.service == log.service, build.number == log.number {
            effects = [.loadLog(service: log.service, number: log.number, job: log.job, attempt: log.attempt, after: log.lines.last?.line ?? 0)]
        }
    case .connection(let state):
        switch state {
        case .connected(let holder):
            model.disconnected = nil
            model.coreLabel = CoreLabel.attached(holder)
        case .disconnected(let reason):
            model.disconnected = reason
        }
    case .focus(let pane): model.focus = pane
    case .focusNext: model.focus = PaneID.allCases[(model.focus.number) % 4]
    case .focusPrevious: model.focus = PaneID.allCases[(model.focus.number + 2) % 4]
    case .toggleFullScreen(let pane):
        model.zoomed = !(model.zoomed && model.focus == pane)
        model.focus = pane
    case .overview: model.zoomed = false
    case .focusDirection(let dx, let dy):
        guard !model.zoomed else { break }
        let index = model.focus.number - 1
        let column = min(1, max(0, index % 2 + dx)), row = min(1, max(0, index / 2 + dy))
        model.focus = PaneID.allCases[row * 2 + column]
    case .move(let delta): moveSelection(&model, by: delta)
    case .top: moveSelection(&model, to: 0)
    case .bottom: moveSelection(&model, to: Int.max)
    case .pageUp: moveSelection(&model, by: -max(1, model.layout.listHeight(model.focus) - 1))
    case .pageDown: moveSelection(&model, by: max(1, model.layout.listHeight(model.focus) - 1))
    case .left: horizontal(&model, -1)
    case .right: horizontal(&model, 1)
    case .openDetail:
        if model.mode == .detail { model.mode = .normal } else if selectedItemExists(model) {
            model.mode = .detail
            model.detailInstance = 0
            model.alertDetailOffset = 0
            if model.focus == .board, let id = model.selectedCard {
                if model.cardHistory?.id != id { model.cardHistory = nil }
                effects = [.loadCardHistory(id: id)]
            }
        }
    case .back:
        if model.mode != .normal {
            model.mode = .normal
        } else if model.filters[model.focus] != nil {
            model.filters[model.focus] = nil
        } else if model.zoomed {
            model.zoomed = false
        }
    case .startFilter: model.mode = .filter(TextField(model.filters[model.focus] ?? ""))
    case .startPalette: model.mode = .palette(TextField(), selected: 0)
    case .openHelp: model.mode = .help(offset: 0)
    case .runCommand(let text): effects = runCommand(&model, text)
    case .deleteSelectedCard:
        guard let id = model.selectedCard, let card = BoardLayout(model: model).flatCards.first(where: { $0.id == id }) else {
            model.notice = Notice("No card selected", level: .warning)
            break
        }
        model.mode = .confirm(Confirmation(
            title: "Delete \(card.id)?", lines: ["\(card.id) \(card.title)", "The card and its history are removed for everyone."],
            confirmLabel: "Delete", action: .perform(.deleteCard(id: card.id))))
    case .perform(let command): effects = [.perform(command)]
    case .commandFailed(let message): model.notice = Notice(message, level: .error)
    case .requestQuit:
        if model.isDeployRunning {
            let deploys = model.snapshot?.runningDeploys ?? []
            model.mode = .confirm(Confirmation(
                title: "Quit while deploying?", lines: ["Running: " + deploys.joined(separator: ", "), "The deploy stops with this in-process core."],
                confirmLabel: "Quit", action: .quit))
        } else {
            model.quit = true
        }
    case .quit: model.quit = true
    case .signalled(let number):
        model.quit = true
        model.exitSignal = number
    case .confirm(let confirmation): model.mode = .confirm(confirmation)
    case .setTheme(let theme, let notice):
        model.theme = theme
        model.notice = notice
    case .showNotice(let notice): model.notice = notice
    case .promptBuild, .unblockSelected, .cancelSelected, .retrySelected, .logLoaded, .logFailed:
        effects = updateBuilds(&model, action)
    case .deploySelected, .rollbackSelected, .restartSelectedInstance, .stopSelectedInstance, .instanceLogLoaded:
        effects = updateFleet(&model, action)
    case .openCheckDetail, .checkDetailLoaded, .checkDetailFailed, .reloadCheckDetail, .forceCheckNow, .promptDowntime, .cancelDowntimes,
         .checkCommands:
        effects = updateCheck(&model, action)
    case .acknowledgeSelectedAlert, .resolveSelectedAlert, .promptAlertNote, .promptAlertSnooze, .rollbackAlertService:
        effects = updateAlerts(&model, action)
    case .newCard, .editSelectedCard, .assignSelectedCardToMe, .moveSelectedCard, .reorderSelectedCard:
        effects = updateBoard(&model, action)
    case .cardHistoryLoaded(let id, let history):
        model.cardHistory = LoadedCardHistory(id: id, entries: history)
    }
    model.filterCache.refresh(for: model)
    if let id = keepAlert, let position = model.alertPosition(of: id) { model.selection[.alerts] = position }
    normalize(&model)
    return effects
}

/// Routes a key by mode: inputs and dialogs first, then the keymap of the focused pane.
func handleKey(_ model: inout Model, _ key: Key) -> [Effect] {
    switch model.mode {
    case .filter(var field):
        switch key {
        case .enter:
            model.filters[model.focus] = field.text.isEmpty ? nil : field.text
            model.mode = .normal
        case .escape:
            model.filters[model.focus] = nil
            model.mode = .normal
        case .up, .down:
            model.filters[model.focus] = field.text.isEmpty ? nil : field.text
            moveSelection(&model, by: key == .up ? -1 : 1)
        default:
            field.handle(key)
            model.mode = .filter(field)
        }
        return []
    case .palette(var field, let selected):
        let completions = CommandTable.completions(for: field.text, themes: model.themeNames, services: model.serviceNames)
        switch key {
        case .escape: model.mode = .normal
        case .tab:
            if !completions.isEmpty {
                let chosen = completions[min(selected, completions.count - 1)]
                // A bare command that takes an argument gets a space, ready for it.
                let wantsArgument = !chosen.contains(" ") && CommandTable.resolve(chosen)?.argument != nil
                field.set(chosen + (wantsArgument || completions.count > 1 ? " " : ""))
            }
            model.mode = .palette(field, selected: 0)
        case .down: model.mode = .palette(field, selected: min(selected + 1, max(0, completions.count - 1)))
        case .up: model.mode = .palette(field, selected: max(0, selected - 1))
        case .enter:
            model.mode = .normal
            let typed = field.text.trimmingCharacters(in: .whitespaces)
            let chosen = CommandTable.resolve(String(typed.split(separator: " ").first ?? "")) == nil && !completions.isEmpty
                ? completions[min(selected, completions.count - 1)] : typed
            return update(&model, .runCommand(chosen))
        default:
            field.handle(key)
            model.mode = .palette(field, selected: 0)
        }
        return []
    case .help(let offset):
        switch key {
        case .character("j"), .down: model.mode = .help(offset: offset + 1)
        case .character("k"), .up: model.mode = .help(offset: max(0, offset - 1))
        case .pageDown: model.mode = .help(offset: offset + 10)
        case .pageUp: model.mode = .help(offset: max(0, offset - 10))
        case .escape, .character("?"), .character("q"), .enter: model.mode = .normal
        default: break
        }
        return []
    case .confirm(var confirmation):
        switch key {
        case .left, .right, .tab, .backTab, .character("h"), .character("l"):
            confirmation.selected = 1 - confirmation.selected
            model.mode = .confirm(confirmation)
        case .character("y"), .character("Y"):
            model.mode = confirmation.after
            return update(&model, confirmation.action)
        case .character("n"), .character("N"), .escape, .character("q"):
            model.mode = confirmation.after
        case .enter:
            model.mode = confirmation.after
            if confirmation.selected == 0 { return update(&model, confirmation.action) }
        default: break
        }
        return []
    case .detail where key == .escape:
        model.mode = .normal
        return []
    case .detail where model.focus == .pipelines && [.character("j"), .character("k"), .down, .up, .enter].contains(key):
        return buildDetailKey(&model, key)
    case .detail where model.focus == .fleet && [.character("j"), .character("k"), .down, .up, .enter].contains(key):
        return fleetDetailKey(&model, key)
    case .detail where model.focus == .alerts && [.character("j"), .character("k"), .down, .up, .pageDown, .pageUp].contains(key):
        return alertDetailKey(&model, key)
    case .prompt(var prompt):
        return promptKey(&model, &prompt, key)
    case .picker(var picker):
        return pickerKey(&model, &picker, key)
    case .check:
        return checkKey(&model, key)
    case .log(var log):
        return logKey(&model, &log, key)
    case .form(var form):
        return formKey(&model, &form, key)
    case .cardForm(var form):
        return cardFormKey(&model, &form, key)
    case .normal, .detail:
        guard let action = Keymap.action(for: key, in: model.focus) else { return [] }
        return update(&model, action)
    }
}

func handleMouse(_ model: inout Model, _ event: MouseEvent) {
    switch model.mode {
    case .normal, .detail: break
    default: return
    }
    let layout = model.layout
    guard let pane = layout.pane(atX: event.x, y: event.y), let rect = layout.panes[pane] else { return }
    switch event.button {
    case .wheelUp, .wheelDown:
        model.focus = pane
        moveSelection(&model, by: event.button == .wheelUp ? -3 : 3)
    case .left:
        model.focus = pane
        let row = event.y - rect.y - 2
        guard row >= 0 else { return }
        if pane == .board {
            selectBoardCard(&model, atX: event.x - rect.x - 1, row: row)
        } else {
            let index = (model.offsets[pane] ?? 0) + row
            if index < PaneRows.visibleCount(pane, model: model) { model.selection[pane] = index }
        }
    }
}
