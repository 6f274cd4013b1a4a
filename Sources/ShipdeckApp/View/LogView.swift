import Foundation
import ShipdeckCore
import TerminalUI

/// A job's log: a full-screen box with the lines (ANSI colours kept), a status line with follow,
/// wrap and search state, and the search being typed.
enum LogView {
    static func render(_ log: LogViewState, model: Model, into screen: inout Screen) {
        let theme = model.theme
        let area = screen.bounds.inset(top: 1, left: 0, bottom: 1, right: 0)
        let title = log.instance.map { "\($0) · output" } ?? "\(log.service)#\(log.number) · \(log.label)\(log.attempt > 1 ? " · attempt \(log.attempt)" : "")"
        let flags = [log.follow ? "following" : "paused", log.wrap ? "wrap" : "no wrap", log.query.map { "/\($0)" } ?? ""]
            .filter { !$0.isEmpty }.joined(separator: " · ")
        let inner = Panel(title: title, focused: true, trailing: flags).render(into: &screen, area: area, theme: theme, glyphs: model.glyphs)
        guard !inner.isEmpty else { return }
        let height = inner.height - 1
        if let error = log.error {
            screen.put(error, x: inner.x + 1, y: inner.y, style: theme[.critical], maxWidth: inner.width - 1)
        } else if log.lines.isEmpty {
            screen.put(log.loading ? "Loading…" : "No output yet", x: inner.x + 1, y: inner.y, style: theme[.muted], maxWidth: inner.width - 1)
        }
        var row = 0
        let numberWidth = max(4, String(log.lines.count).count + 1)
        for line in log.lines.dropFirst(log.offset) {
            guard row < height else { break }
            let base = line.stream == .stderr ? theme[.warning] : line.stream == .system ? theme[.info] : theme[.text]
            var spans = ANSIText.spans(line.text, base: base)
            if let query = log.query, !query.isEmpty, LogSearch.plain(line.text).lowercased().contains(query.lowercased()) {
                spans = spans.map { Span($0.text, $0.style.adding(.underline)) }
            }
            let number = String(line.line).padded(to: numberWidth)
            screen.put(number, x: inner.x, y: inner.y + row, style: theme[.muted])
            let textWidth = inner.width - numberWidth
            if log.wrap {
                for piece in wrap(spans, width: textWidth) where row < height {
                    screen.put(piece, x: inner.x + numberWidth, y: inner.y + row, width: textWidth)
                    row += 1
                }
            } else {
                screen.put(spans, x: inner.x + numberWidth, y: inner.y + row, width: textWidth)
                row += 1
            }
        }
        let status = inner.row(inner.height - 1)
        if let field = log.searching {
            field.render(into: &screen, area: status, prompt: "/", style: theme[.input], promptStyle: theme[.key])
        } else {
            let position = log.lines.isEmpty ? "" : "lines \(log.offset + 1)–\(min(log.lines.count, log.offset + height)) of \(log.lines.count)"
            screen.put([Span(position + "   ", theme[.muted]), Span("f", theme[.key]), Span(" follow  ", theme[.muted]), Span("w", theme[.key]),
                        Span(" wrap  ", theme[.muted]), Span("/", theme[.key]), Span(" search  ", theme[.muted]), Span("e", theme[.key]),
                        Span(" first failure  ", theme[.muted]), Span("Esc", theme[.key]), Span(" back", theme[.muted])],
                       x: status.x, y: status.y, width: status.width)
        }
    }

    /// Cuts spans into rows of `width` columns.
    static func wrap(_ spans: [Span], width: Int) -> [[Span]] {
        guard width > 0 else { return [spans] }
        var rows: [[Span]] = [[]], used = 0
        for span in spans {
            var piece = ""
            for character in span.text {
                let w = CharacterWidth.of(character)
                if used + w > width {
                    if !piece.isEmpty { rows[rows.count - 1].append(Span(piece, span.style)) }
                    rows.append([])
                    piece = ""
                    used = 0
                }
                piece.append(character)
                used += w
            }
            if !piece.isEmpty { rows[rows.count - 1].append(Span(piece, span.style)) }
        }
        return rows
    }
}

/// The unblock form: the block's prompt and one row per field.
enum FormView {
    static func render(_ form: UnblockForm, model: Model, into screen: inout Screen) {
        let theme = model.theme
        let width = min(screen.size.width - 4, 72)
        let area = screen.bounds.centered(width: width, height: form.fields.count * 2 + 5)
        let inner = Panel(title: "Unblock \(form.service)#\(form.number)", focused: true).render(into: &screen, area: area, theme: theme.dialogFrame, glyphs: model.glyphs)
        screen.put(form.prompt, x: inner.x + 1, y: inner.y, style: theme[.dialog].adding(.bold), maxWidth: inner.width - 2)
        for (index, field) in form.fields.enumerated() {
            let y = inner.y + 2 + index * 2
            let label = field.label + (field.required ? " *" : "")
            screen.put(label, x: inner.x + 1, y: y, style: theme[index == form.focused ? .key : .dialog], maxWidth: inner.width - 2)
            let input = Rect(x: inner.x + 1, y: y + 1, width: inner.width - 2, height: 1)
            if field.kind == .select && !field.options.isEmpty {
                let option = field.options[form.choices[index]]
                screen.put("← \(option.label) →", x: input.x, y: input.y, style: theme[index == form.focused ? .selection : .input], maxWidth: input.width)
            } else if index == form.focused {
                form.values[index].render(into: &screen, area: input, prompt: "", style: theme[.input], promptStyle: theme[.input])
            } else {
                screen.fill(input, with: Cell(" ", style: theme[.input]))
                screen.put(form.values[index].text.isEmpty ? (field.hint ?? "") : form.values[index].text, x: input.x, y: input.y,
                           style: theme[.input], maxWidth: input.width)
            }
        }
        screen.put("Tab next field · Enter submit · Esc cancel", x: inner.x + 1, y: inner.maxY - 1, style: theme[.dialog], maxWidth: inner.width - 2)
    }
}
