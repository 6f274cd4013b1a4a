import ShipdeckCore
import TerminalUI

/// Moves the focused pane's selection by `delta` rows (clamped).
func moveSelection(_ model: inout Model, by delta: Int) {
    if model.focus == .board {
        let board = BoardLayout(model: model)
        if board.sideBySide, let (column, row) = board.position(of: model.selectedCard) {
            let cards = board.columns[column].cards
            model.selectedCard = cards[max(0, min(cards.count - 1, row + delta))].id
        } else {
            let cards = board.flatCards
            guard !cards.isEmpty else { return }
            let index = cards.firstIndex { $0.id == model.selectedCard } ?? 0
            model.selectedCard = cards[max(0, min(cards.count - 1, index + delta))].id
        }
        return
    }
    let current = model.selection[model.focus] ?? 0
    let (sum, overflow) = current.addingReportingOverflow(delta)
    moveSelection(&model, to: overflow ? (delta > 0 ? Int.max : 0) : sum)
}

/// Selects row `index` of the focused pane (clamped); `Int.max` selects the last.
func moveSelection(_ model: inout Model, to index: Int) {
    if model.focus == .board {
        let board = BoardLayout(model: model)
        if board.sideBySide, let (column, _) = board.position(of: model.selectedCard) {
            let cards = board.columns[column].cards
            model.selectedCard = index == 0 ? cards.first?.id : cards.last?.id
        } else {
            model.selectedCard = index == 0 ? board.flatCards.first?.id : board.flatCards.last?.id
        }
        return
    }
    let count = PaneRows.visibleCount(model.focus, model: model)
    model.selection[model.focus] = max(0, min(count - 1, index))
}

/// `h`/`l`: on the board, the neighbouring column (same row where it exists); elsewhere, the
/// neighbouring pane of the overview grid.
func horizontal(_ model: inout Model, _ delta: Int) {
    guard model.focus == .board else {
        _ = update(&model, .focusDirection(dx: delta, dy: 0))
        return
    }
    let board = BoardLayout(model: model)
    guard let (column, row) = board.position(of: model.selectedCard) else { return }
    var target = column + delta
    while target >= 0 && target < board.columns.count && board.columns[target].cards.isEmpty { target += delta }
    guard target >= 0 && target < board.columns.count else {
        if !model.zoomed && delta > 0 { model.focus = .pipelines }
        return
    }
    let cards = board.columns[target].cards
    model.selectedCard = cards[min(row, cards.count - 1)].id
}

func selectBoardCard(_ model: inout Model, atX x: Int, row: Int) {
    let board = BoardLayout(model: model)
    if board.sideBySide {
        let width = max(1, ((model.layout.panes[.board]?.width ?? 2) - 2) / max(1, board.columns.count))
        let column = min(board.columns.count - 1, x / width)
        let index = (model.offsets[.board] ?? 0) + row
        if index < board.columns[column].cards.count { model.selectedCard = board.columns[column].cards[index].id }
    } else {
        let rows = board.listRows
        let index = (model.offsets[.board] ?? 0) + row + 1
        if index < rows.count, case .card(let card) = rows[index] { model.selectedCard = card.id }
    }
}

func selectedItemExists(_ model: Model) -> Bool {
    if model.focus == .board { return model.selectedCard != nil }
    return PaneRows.visibleCount(model.focus, model: model) > 0
}

/// Keeps selections inside their lists and every selected row on screen.
func normalize(_ model: inout Model) {
    let layout = model.layout
    for pane in [PaneID.pipelines, .fleet, .alerts] {
        let count = PaneRows.visibleCount(pane, model: model)
        let selected = max(0, min(count - 1, model.selection[pane] ?? 0))
        model.selection[pane] = selected
        model.offsets[pane] = ListView.scrollOffset(selected: selected, offset: model.offsets[pane] ?? 0, height: layout.listHeight(pane), count: count)
    }
    let board = BoardLayout(model: model)
    if board.position(of: model.selectedCard) == nil { model.selectedCard = board.firstCard?.id }
    let height = layout.listHeight(.board) + (board.sideBySide ? 0 : 1)
    if let (column, row) = board.position(of: model.selectedCard) {
        let (selected, count): (Int, Int)
        if board.sideBySide {
            (selected, count) = (row, board.columns.map(\.cards.count).max() ?? 0)
        } else {
            let rows = board.listRows
            let index = rows.firstIndex { if case .card(let card) = $0 { card.id == model.selectedCard } else { false } } ?? 0
            // Keep the column header above the first card visible.
            (selected, count) = (row == 0 ? max(0, index - 1) : index, rows.count)
            _ = column
        }
        model.offsets[.board] = ListView.scrollOffset(selected: selected, offset: model.offsets[.board] ?? 0, height: height, count: count)
    } else {
        model.offsets[.board] = 0
    }
}

/// Runs a `:` command line.
func runCommand(_ model: inout Model, _ text: String) -> [Effect] {
    let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
    guard let name = parts.first else { return [] }
    let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
    guard let command = CommandTable.resolve(name) else {
        let known = CommandTable.commands.map(\.name).joined(separator: ", ")
        model.notice = Notice("Unknown command '\(name)'; commands: \(known)", level: .error)
        return []
    }
    switch command.name {
    case "board": return update(&model, .toggleFullScreen(.board)).withFullScreen(&model, .board)
    case "pipelines": return update(&model, .toggleFullScreen(.pipelines)).withFullScreen(&model, .pipelines)
    case "fleet": return update(&model, .toggleFullScreen(.fleet)).withFullScreen(&model, .fleet)
    case "alerts": return update(&model, .toggleFullScreen(.alerts)).withFullScreen(&model, .alerts)
    case "overview": model.zoomed = false
    case "filter": model.filters[model.focus] = argument.isEmpty ? nil : argument
    case "clear": model.filters[model.focus] = nil
    case "theme":
        guard !argument.isEmpty else {
            model.notice = Notice("Usage: theme NAME; themes: \(model.themeNames.joined(separator: ", "))", level: .warning)
            return []
        }
        return [.loadTheme(argument)]
    case "build":
        guard !argument.isEmpty else {
            model.notice = Notice("Usage: build SERVICE; services: \(model.serviceNames.joined(separator: ", "))", level: .warning)
            return []
        }
        model.focus = .pipelines
        return [.perform(.startBuild(service: argument, commit: nil, branch: nil, message: nil))]
    case "help": model.mode = .help(offset: 0)
    case "quit": return update(&model, .requestQuit)
    default: break
    }
    return []
}

extension Array where Element == Effect {
    /// Commands always open their pane full screen (never toggle back to the overview).
    fileprivate func withFullScreen(_ model: inout Model, _ pane: PaneID) -> [Effect] {
        model.zoomed = true
        model.focus = pane
        return self
    }
}
