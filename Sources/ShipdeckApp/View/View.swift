import Foundation
import ShipdeckCore
import TerminalUI

/// Draws the whole frame for `model`. A pure function: the same model gives the same screen.
public func view(_ model: Model) -> Screen {
    var screen = Screen(size: model.size, fill: Cell(" ", style: model.theme[.text]))
    guard model.size.width >= 20, model.size.height >= 6 else {
        screen.put("Terminal too small", x: 0, y: 0, style: model.theme[.warning])
        return screen
    }
    let layout = model.layout
    StatusBarView.render(model, into: &screen, area: layout.statusBar)
    for (pane, rect) in layout.panes.sorted(by: { $0.key.number < $1.key.number }) {
        PaneView.render(pane, model: model, into: &screen, area: rect)
    }
    FooterView.render(model, into: &screen, area: layout.footer)
    switch model.mode {
    case .help(let offset): HelpView.render(model, offset: offset, into: &screen)
    case .palette(let field, let selected): PaletteView.render(model, field: field, selected: selected, into: &screen)
    case .detail: DetailView.render(model, into: &screen)
    case .confirm(let confirmation):
        Dialog(title: confirmation.title, lines: confirmation.lines, buttons: [confirmation.confirmLabel, "Cancel"], selectedButton: confirmation.selected)
            .render(into: &screen, theme: model.theme, glyphs: model.glyphs)
    case .normal, .filter: break
    }
    return screen
}

enum StatusBarView {
    /// Status bar parts in display order; when the bar is too narrow the highest `drop` goes first.
    struct Part {
        var span: Span
        var drop: Int
    }

    static func render(_ model: Model, into screen: inout Screen, area: Rect) {
        let theme = model.theme
        screen.fill(area, with: Cell(" ", style: theme[.statusBar]))
        let clock = ClockFormat.time(model.now, in: model.timeZone)
        let separator = " \(model.glyphs.separator) "
        var parts = [Part(span: Span(" Shipdeck ", theme[.statusAccent]), drop: 0)]
        if let snapshot = model.snapshot {
            let workspace = snapshot.workspace
            parts.append(Part(span: Span(" \(workspace.name)", theme[.statusBar].adding(.bold)), drop: 1))
            let protected = workspace.environments.first { $0.name == workspace.currentEnvironment }?.protected == true
            parts.append(Part(span: Span(separator + "env \(workspace.currentEnvironment)" + (protected ? " (protected)" : ""), theme[.statusBar]), drop: 2))
            parts.append(Part(span: Span(separator + (snapshot.currentUser?.handle ?? "unknown user"), theme[.statusBar]), drop: 3))
            let onCall = snapshot.onCall.map { "\($0.rota) \($0.person ?? "—")" }.joined(separator: " · ")
            parts.append(Part(span: Span(separator + "on call: " + (onCall.isEmpty ? "nobody" : onCall), theme[.statusBar]), drop: 5))
        }
        if model.disconnected != nil {
            parts.append(Part(span: Span(separator, theme[.statusBar]), drop: 0))
            parts.append(Part(span: Span(" core disconnected — retrying ", theme[.notice]), drop: 0))
        } else {
            parts.append(Part(span: Span(separator + model.coreLabel, theme[.statusBar]), drop: 4))
        }
        let room = max(0, area.width - CharacterWidth.of(clock) - 2)
        while parts.count > 1, parts.reduce(0, { $0 + CharacterWidth.of($1.span.text) }) > room {
            parts.remove(at: parts.indices.max { parts[$0].drop < parts[$1].drop }!)
        }
        screen.put(parts.map(\.span), x: area.x, y: area.y, width: room)
        screen.put(" \(clock) ", x: area.maxX - CharacterWidth.of(clock) - 2, y: area.y, style: theme[.statusBar].adding(.bold))
    }
}

enum FooterView {
    static func render(_ model: Model, into screen: inout Screen, area: Rect) {
        let theme = model.theme
        screen.fill(area, with: Cell(" ", style: theme[.text]))
        if case .filter(let field) = model.mode {
            field.render(into: &screen, area: area, prompt: "/", style: theme[.input], promptStyle: theme[.key])
            return
        }
        if case .palette(let field, _) = model.mode {
            field.render(into: &screen, area: area, prompt: ":", style: theme[.input], promptStyle: theme[.key])
            return
        }
        if let notice = model.notice {
            let role: ThemeRole = notice.level == .error ? .critical : notice.level == .warning ? .warning : .notice
            screen.put([Span(" \(notice.text) ", theme[role])], x: area.x, y: area.y, width: area.width)
            return
        }
        var spans: [Span] = []
        for binding in Keymap.bindings(for: model.focus) {
            guard let label = binding.footer else { continue }
            spans.append(Span(binding.keys[0].description, theme[.key]))
            spans.append(Span(" \(label)  ", theme[.muted]))
        }
        spans.append(Span("1-4", theme[.key]))
        spans.append(Span(" panes", theme[.muted]))
        screen.put(spans, x: area.x + 1, y: area.y, width: area.width - 1)
    }
}

/// Time of day for the status bar clock.
public enum ClockFormat {
    public static func time(_ date: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.hour, .minute, .second], from: date)
        return String(format: "%02d:%02d:%02d", c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// "3m ago", "2h ago", "5d ago".
    public static func age(_ date: Date, now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds < 60 { return "\(seconds)s ago" }
        if seconds < 3600 { return "\(seconds / 60)m ago" }
        if seconds < 86400 { return "\(seconds / 3600)h ago" }
        return "\(seconds / 86400)d ago"
    }
}
