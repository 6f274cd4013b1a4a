import ShipdeckCore
import TerminalUI

/// Draws one pane: its frame, header row and rows (the board draws columns instead).
enum PaneView {
    static func render(_ pane: PaneID, model: Model, into screen: inout Screen, area: Rect) {
        let focused = model.focus == pane
        var trailing = ""
        if let filter = model.activeFilter(pane), !filter.isEmpty { trailing = "/\(filter)" }
        let count = PaneRows.count(pane, snapshot: model.snapshot)
        let title = "\(pane.number) \(pane.title) (\(count))"
        // A new high-urgency alert flashes the Alerts pane's frame for a moment.
        let flash = pane == .alerts ? model.alertFlash : nil
        if let flash { trailing = "NEW ALERT #\(flash.incident)" + (trailing.isEmpty ? "" : " · " + trailing) }
        let frameTheme = flash == nil ? model.theme : AlertView.flashTheme(model.theme)
        let inner = Panel(title: title, focused: focused, trailing: trailing).render(into: &screen, area: area, theme: frameTheme, glyphs: model.glyphs)
        guard !inner.isEmpty else { return }
        if pane == .board {
            BoardView.render(model, into: &screen, area: inner)
            return
        }
        let widths = PaneRows.widths(pane, total: inner.width)
        screen.put(cells(PaneRows.header(pane), widths: widths, styles: Array(repeating: .header, count: widths.count), theme: model.theme),
                   x: inner.x, y: inner.y, width: inner.width)
        let listArea = inner.inset(top: 1)
        let offset = model.offsets[pane] ?? 0
        // Build only the rows that show: a pane over 10,000 rows costs the same as one over 20.
        let rows = PaneRows.visible(pane, model: model, range: offset..<(offset + listArea.height))
        let list = ListView(
            window: rows.map { cells($0.cells, widths: widths, styles: $0.styles, theme: model.theme) },
            firstIndex: offset, total: PaneRows.visibleCount(pane, model: model),
            selected: model.selection[pane], focused: focused, emptyText: emptyText(pane, model: model))
        list.render(into: &screen, area: listArea, theme: model.theme)
    }

    static func cells(_ values: [String], widths: [Int], styles: [ThemeRole], theme: Theme) -> [Span] {
        values.enumerated().flatMap { index, value -> [Span] in
            let width = index < widths.count ? widths[index] : 10
            guard width > 0 else { return [] }  // a column left out at this width
            let role = index < styles.count ? styles[index] : .text
            return [Span(value.truncated(to: width - 1).padded(to: width - 1), theme[role]), Span(" ")]
        }
    }

    static func emptyText(_ pane: PaneID, model: Model) -> String {
        if let filter = model.activeFilter(pane), !filter.isEmpty { return "Nothing matches '\(filter)'" }
        switch pane {
        case .board: return "No cards yet"
        case .pipelines:
            let services = model.snapshot?.pipelines.count ?? 0
            return services == 0 ? "No services configured" : "No builds yet — b builds a service"
        case .fleet: return "No services configured"
        case .alerts: return "No open alerts — all quiet"
        }
    }
}

/// The Kanban board: columns side by side when they fit, else one list grouped by column.
enum BoardView {
    static func render(_ model: Model, into screen: inout Screen, area: Rect) {
        let theme = model.theme
        let board = BoardLayout(model: model)
        let focused = model.focus == .board
        let offset = model.offsets[.board] ?? 0
        guard !board.columns.isEmpty else {
            screen.put("No board columns configured", x: area.x + 1, y: area.y, style: theme[.muted])
            return
        }
        if board.sideBySide {
            let rects = Layout.split(area, .horizontal, board.columns.map { _ in .fill(1) })
            for (column, rect) in zip(board.columns, rects) {
                let over = column.wipLimit.map { column.total > $0 } ?? false
                screen.put(BoardLayout.title(column).truncated(to: rect.width - 1), x: rect.x, y: rect.y, style: theme[over ? .critical : .header])
                let listArea = Rect(x: rect.x, y: rect.y + 1, width: rect.width - 1, height: rect.height - 1)
                let window = column.cards.dropFirst(offset).prefix(listArea.height).map { card in
                    flagSpans(card, model) + [Span(card.id + " ", theme[.muted]), Span(card.title, theme[.text])]
                }
                let selected = column.cards.firstIndex { $0.id == model.selectedCard }
                ListView(window: Array(window), firstIndex: offset, total: column.cards.count, selected: selected, focused: focused)
                    .render(into: &screen, area: listArea, theme: theme)
            }
            return
        }
        if board.flatCards.isEmpty, let filter = model.activeFilter(.board), !filter.isEmpty {
            screen.put("Nothing matches '\(filter)'", x: area.x + 1, y: area.y, style: theme[.muted])
            return
        }
        let rows = board.listRows
        let selectedIndex = rows.firstIndex { if case .card(let card) = $0 { card.id == model.selectedCard } else { false } }
        // Build spans only for the rows that show.
        let spans: [[Span]] = rows.dropFirst(offset).prefix(area.height).map { row in
            switch row {
            case .header(let column):
                let over = column.wipLimit.map { column.total > $0 } ?? false
                return [Span(BoardLayout.title(column), theme[over ? .critical : .header])]
            case .card(let card):
                var line = [Span("  ", theme[.text])] + flagSpans(card, model) + [Span(card.id.padded(to: 8), theme[.muted]), Span(card.title, theme[.text])]
                if let assignee = card.assignee { line.append(Span(" @\(assignee)", theme[.info])) }
                return line
            }
        }
        ListView(window: spans, firstIndex: offset, total: rows.count, selected: selectedIndex, focused: focused).render(into: &screen, area: area, theme: theme)
    }

    /// A warning mark before a card the board moved back (a rollback took its change out of prod).
    static func flagSpans(_ card: Card, _ model: Model) -> [Span] {
        card.flag == nil ? [] : [Span(model.glyphs.warning + " ", model.theme[.warning])]
    }
}
