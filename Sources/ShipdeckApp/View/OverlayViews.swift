import Foundation
import ShipdeckCore
import TerminalUI

/// The `?` overlay, generated from the keymap tables and the command table.
enum HelpView {
    static func lines(for model: Model) -> [[Span]] {
        let theme = model.theme
        // Keys in their colour on the dialog's background, so the padding matches the box.
        var keyStyle = theme[.key]
        keyStyle.background = theme[.dialog].background
        var headerStyle = theme[.header]
        headerStyle.background = theme[.dialog].background
        var lines: [[Span]] = []
        for (scope, bindings) in Keymap.sections {
            lines.append([Span(scope.title, headerStyle)])
            for binding in bindings {
                let mark = binding.destructive ? " (asks first)" : ""
                lines.append([Span("  " + binding.keyLabel.padded(to: 18), keyStyle), Span(binding.help + mark, theme[.dialog])])
            }
            lines.append([])
        }
        lines.append([Span("Inputs", headerStyle)])
        for (name, text) in Keymap.modeKeys {
            lines.append([Span("  " + name.padded(to: 18), keyStyle), Span(text, theme[.dialog])])
        }
        lines.append([])
        lines.append([Span("Commands (:)", headerStyle)])
        for command in CommandTable.commands {
            let name = command.name + (command.argument.map { " \($0)" } ?? "")
            let aliases = command.aliases.isEmpty ? "" : " (\(command.aliases.joined(separator: ", ")))"
            lines.append([Span("  " + name.padded(to: 18), keyStyle), Span(command.help + aliases, theme[.dialog])])
        }
        return lines
    }

    static func render(_ model: Model, offset: Int, into screen: inout Screen) {
        let content = lines(for: model)
        let widest = content.map { $0.reduce(0) { $0 + CharacterWidth.of($1.text) } }.max() ?? 40
        let area = screen.bounds.inset(top: 1, left: 2, bottom: 1, right: 2).centered(width: widest + 4, height: content.count + 2)
        let inner = dialogPanel("Help — Esc closes, j/k scroll", model: model, area: area, into: &screen)
        let start = min(offset, max(0, content.count - inner.height))
        for (row, line) in content.dropFirst(start).prefix(inner.height).enumerated() {
            screen.put(line, x: inner.x + 1, y: inner.y + row, width: inner.width - 1)
        }
    }
}

/// The `:` palette's completion list, drawn above the footer.
enum PaletteView {
    static func render(_ model: Model, field: TextField, selected: Int, into screen: inout Screen) {
        let completions = CommandTable.completions(for: field.text, themes: model.themeNames, services: model.serviceNames)
        guard !completions.isEmpty else { return }
        let shown = Array(completions.prefix(max(1, model.size.height - 4)))
        let width = min(model.size.width, 44)
        let area = Rect(x: 0, y: model.layout.footer.y - shown.count - 2, width: width, height: shown.count + 2)
        let inner = dialogPanel("Commands", model: model, area: area, into: &screen)
        for (index, name) in shown.enumerated() {
            let help = CommandTable.resolve(String(name.split(separator: " ").first ?? ""))?.help ?? ""
            let style = index == selected ? model.theme[.selection] : model.theme[.dialog]
            screen.put([Span(" " + name.padded(to: 14), style.adding(.bold)), Span(help, style)], x: inner.x, y: inner.y + index, width: inner.width, fill: style)
        }
    }
}

/// The detail of the focused pane's selected item.
enum DetailView {
    static func render(_ model: Model, into screen: inout Screen) {
        if model.focus == .alerts {
            if let incident = model.selectedIncident { AlertDetailView.render(incident, model: model, into: &screen) }
            return
        }
        let lines = DetailView.lines(model)
        guard let area = model.layout.panes[model.focus] else { return }
        let box = model.zoomed ? area.inset(top: 1, left: 2, bottom: 1, right: 2) : screen.bounds.inset(top: 2, left: 4, bottom: 2, right: 4)
        let inner = dialogPanel(lines.first ?? "Detail", model: model, area: box, into: &screen)
        // In a build's detail the selected job is highlighted (j/k move it, Enter opens its log).
        var selectedRow: Int?
        if model.focus == .pipelines, let build = model.selectedBuild, !build.jobs.isEmpty {
            selectedRow = lines.count - 1 - build.jobs.count + min(model.detailJob, build.jobs.count - 1)
        }
        if model.focus == .fleet, let row = model.selectedFleetRow, !row.instances.isEmpty {
            selectedRow = FleetView.lines(row, model: model).instanceRow + min(model.detailInstance, row.instances.count - 1)
        }
        for (row, line) in lines.dropFirst().prefix(inner.height).enumerated() {
            let style = row == selectedRow ? model.theme[.selection] : model.theme[.dialog]
            if row == selectedRow { screen.fill(Rect(x: inner.x, y: inner.y + row, width: inner.width, height: 1), with: Cell(" ", style: style)) }
            screen.put(line, x: inner.x + 1, y: inner.y + row, style: style, maxWidth: inner.width - 2)
        }
    }

    /// Title first, then the lines of the detail.
    static func lines(_ model: Model) -> [String] {
        guard let snapshot = model.snapshot else { return ["Detail"] }
        switch model.focus {
        case .board:
            guard let card = snapshot.board.columns.flatMap(\.cards).first(where: { $0.id == model.selectedCard }) else { return ["Card"] }
            return CardDetail.lines(card, snapshot: snapshot, now: model.now,
                                    history: model.cardHistory?.id == card.id ? model.cardHistory?.entries : nil)
        case .pipelines:
            guard let build = model.selectedBuild else { return ["Build"] }
            return BuildView.summary(build, model: model, width: model.size.width - (model.zoomed ? 8 : 12))
        case .fleet:
            guard let row = selectedItem(.fleet, model: model, in: snapshot.fleet) else { return ["Fleet"] }
            return FleetView.lines(row, model: model).lines
        case .alerts:
            guard let incident = model.selectedIncident else { return ["Alert"] }
            return ["\(incident.number) \(incident.severity.rawValue)"] + AlertDetailView.lines(incident, model: model).map { $0.map(\.text).joined() }
        }
    }
}

extension DetailView {
    /// The item behind the selected row of a list pane.
    static func selectedItem<Item>(_ pane: PaneID, model: Model, in items: [Item]) -> Item? {
        guard let position = model.selection[pane], position < PaneRows.visibleCount(pane, model: model) else { return nil }
        let index = PaneRows.sourceIndex(pane, position: position, model: model)
        return index < items.count ? items[index] : nil
    }
}

/// A bordered box in dialog colours; returns its inner rectangle.
func dialogPanel(_ title: String, model: Model, area: Rect, into screen: inout Screen) -> Rect {
    return Panel(title: title, focused: true).render(into: &screen, area: area, theme: model.theme.dialogFrame, glyphs: model.glyphs)
}
