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
    // The check detail stays under the dialogs opened from it (downtime picker, confirmation).
    if model.showsCheck, let check = model.check { CheckView.render(check, model: model, into: &screen) }
    // So does an alert's detail under the dialogs opened from it (resolve, note, snooze, rollback).
    if model.dialogReturnsToDetail { DetailView.render(model, into: &screen) }
    switch model.mode {
    case .help(let offset): HelpView.render(model, offset: offset, into: &screen)
    case .palette(let field, let selected): PaletteView.render(model, field: field, selected: selected, into: &screen)
    case .detail: DetailView.render(model, into: &screen)
    case .confirm(let confirmation):
        Dialog(title: confirmation.title, lines: confirmation.lines, buttons: [confirmation.confirmLabel, "Cancel"], selectedButton: confirmation.selected)
            .render(into: &screen, theme: model.theme, glyphs: model.glyphs)
    case .log(let log): LogView.render(log, model: model, into: &screen)
    case .form(let form): FormView.render(form, model: model, into: &screen)
    case .cardForm(let form): CardFormView.render(form, model: model, into: &screen)
    case .picker(let picker): PickerView.render(picker, model: model, into: &screen)
    case .prompt(let prompt): PromptView.render(prompt, model: model, into: &screen)
    case .normal, .filter, .check: break
    }
    return screen
}

extension Model {
    /// Whether the check detail is on screen: it has the keyboard, or a dialog opened from it does.
    var showsCheck: Bool {
        switch mode {
        case .check: return true
        case .picker(let picker): return picker.after == .check
        case .confirm(let confirmation): return confirmation.after == .check
        default: return false
        }
    }

    /// Whether a dialog is open over the focused pane's detail and goes back to it.
    var dialogReturnsToDetail: Bool {
        switch mode {
        case .picker(let picker): return picker.after == .detail
        case .confirm(let confirmation): return confirmation.after == .detail
        case .prompt(let prompt): return prompt.after == .detail
        default: return false
        }
    }
}

enum StatusBarView {
    /// A status bar part: its wordings from longest to shortest. When the bar is too narrow, parts
    /// take shorter wordings first (highest `give` first); only then are parts dropped, in the same order.
    struct Part {
        var variants: [String]
        var style: Style
        var give: Int
        var text: String { variants[0] }
    }

    static func parts(_ model: Model) -> [Part] {
        let theme = model.theme
        let separator = " \(model.glyphs.separator) "
        var parts = [Part(variants: [" Shipdeck "], style: theme[.statusAccent], give: 0)]
        if let snapshot = model.snapshot {
            let workspace = snapshot.workspace
            parts.append(Part(variants: [" \(workspace.name)"], style: theme[.statusBar].adding(.bold), give: 2))
            let protected = workspace.environments.first { $0.name == workspace.currentEnvironment }?.protected == true
            let env = workspace.currentEnvironment + (protected ? " (protected)" : "")
            parts.append(Part(variants: [separator + "env " + env, separator + env], style: theme[.statusBar], give: 3))
            parts.append(Part(variants: [separator + (snapshot.currentUser?.handle ?? "unknown user")], style: theme[.statusBar], give: 1))
            let dash = model.glyphs.dash
            let slots = snapshot.onCall.map { "\($0.rota) \($0.person ?? dash)" }
            let onCall = slots.isEmpty ? ["on call: nobody"] : [
                "on call: " + slots.joined(separator: " · "), "on call: " + slots.joined(separator: ","),
                "on call: " + snapshot.onCall.compactMap(\.person).joined(separator: ","),
            ]
            parts.append(Part(variants: onCall.map { separator + $0 }, style: theme[.statusBar], give: 5))
        }
        if model.disconnected != nil {
            parts.append(Part(variants: [separator], style: theme[.statusBar], give: 0))
            parts.append(Part(variants: [" core disconnected — retrying ", " core lost — retrying "], style: theme[.notice], give: 0))
        } else {
            parts.append(Part(variants: [separator + model.coreLabel, separator + String(model.coreLabel.split(separator: " ").first ?? "")],
                              style: theme[.statusBar], give: 6))
        }
        return parts
    }

    static func render(_ model: Model, into screen: inout Screen, area: Rect) {
        let theme = model.theme
        screen.fill(area, with: Cell(" ", style: theme[.statusBar]))
        let clock = ClockFormat.time(model.now, in: model.timeZone)
        let room = max(0, area.width - CharacterWidth.of(clock) - 2)
        var parts = parts(model)
        while parts.count > 1, parts.reduce(0, { $0 + CharacterWidth.of($1.text) }) > room {
            if let index = parts.indices.filter({ parts[$0].variants.count > 1 }).max(by: { parts[$0].give < parts[$1].give }) {
                parts[index].variants.removeFirst()
            } else {
                parts.remove(at: parts.indices.max { parts[$0].give < parts[$1].give }!)
            }
        }
        screen.put(parts.map { Span($0.text, $0.style) }, x: area.x, y: area.y, width: room)
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
        if model.showsCheck {
            for binding in Keymap.checkDetail {
                guard let label = binding.footer else { continue }
                spans.append(Span(binding.keys[0].description, theme[.key]))
                spans.append(Span(" \(label)  ", theme[.muted]))
            }
            screen.put(spans, x: area.x + 1, y: area.y, width: area.width - 1)
            return
        }
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

    /// "4s", "2m05s", "1h12m".
    public static func duration(from start: Date, to end: Date) -> String {
        let seconds = max(0, Int(end.timeIntervalSince(start)))
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return String(format: "%dm%02ds", seconds / 60, seconds % 60) }
        return String(format: "%dh%02dm", seconds / 3600, (seconds % 3600) / 60)
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
