import Foundation
import ShipdeckCore
import TerminalUI

/// The board's keys on the selected card: new, edit, move between columns, reorder, assign to me.
func updateBoard(_ model: inout Model, _ action: Action) -> [Effect] {
    let board = BoardLayout(model: model)
    let selected = board.flatCards.first { $0.id == model.selectedCard }
    switch action {
    case .newCard:
        let column = board.position(of: model.selectedCard).map { board.columns[$0.column].name } ?? board.columns.first?.name
        model.mode = .cardForm(CardForm(column: column))
        return []
    default:
        break
    }
    guard let card = selected else {
        model.notice = Notice("No card selected", level: .warning)
        return []
    }
    switch action {
    case .editSelectedCard:
        model.mode = .cardForm(CardForm(editing: card))
    case .moveSelectedCard(let delta):
        let names = model.snapshot?.board.columns.map(\.name) ?? []
        guard let from = names.firstIndex(of: card.column) else { return [] }
        let to = from + delta
        guard names.indices.contains(to) else {
            model.notice = Notice("\(card.id) is already in the \(delta < 0 ? "first" : "last") column")
            return []
        }
        let target = names[to]
        let done = model.snapshot?.board.doneColumn ?? names.last
        let prod = model.snapshot?.workspace.environments.first { $0.protected }?.name
        if target == done, let prod, !card.commits.isEmpty, !card.runs(in: prod) {
            let runs = card.commits.map { commit in
                "\(commit.service) \(commit.shortSHA) " + (commit.runsIn.isEmpty ? "is not deployed" : "runs in " + commit.runsIn.joined(separator: ", "))
            }
            model.mode = .confirm(Confirmation(
                title: "Move \(card.id) to \(target) anyway?",
                lines: ["Its change is not running in \(prod):"] + runs + ["The board moves it by itself once it runs in \(prod).",
                                                                           "Moving it now is an override, recorded in its history."],
                confirmLabel: "Move anyway", action: .perform(.moveCard(id: card.id, toColumn: target, override: true))))
            return []
        }
        return [.perform(.moveCard(id: card.id, toColumn: target))]
    case .reorderSelectedCard(let delta):
        return [.perform(.reorderCard(id: card.id, by: delta))]
    case .assignSelectedCardToMe:
        guard let me = model.snapshot?.currentUser?.handle else {
            model.notice = Notice("Shipdeck does not know who you are: set SHIPDECK_USER or user: in shipdeck.yml", level: .warning)
            return []
        }
        return [.perform(.assignCard(id: card.id, to: card.assignee == me ? nil : me))]
    default:
        break
    }
    return []
}

/// Keys of the card form: Tab and ↑/↓ move between fields, Enter saves, Esc cancels; the rest edit the field.
func cardFormKey(_ model: inout Model, _ form: inout CardForm, _ key: Key) -> [Effect] {
    let count = CardForm.Field.allCases.count
    switch key {
    case .escape:
        model.mode = .normal
        return []
    case .tab, .down: form.focused = (form.focused + 1) % count
    case .backTab, .up: form.focused = (form.focused + count - 1) % count
    case .enter:
        guard !form.value(.title).isEmpty else {
            model.notice = Notice("A card needs a title", level: .warning)
            form.focused = CardForm.Field.title.rawValue
            model.mode = .cardForm(form)
            return []
        }
        model.mode = .normal
        return [.perform(form.command)]
    default:
        form.values[form.focused].handle(key)
    }
    model.mode = .cardForm(form)
    return []
}
