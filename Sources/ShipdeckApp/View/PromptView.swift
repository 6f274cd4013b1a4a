import TerminalUI

/// A dialog with one line to type (a note on an alert): its title, what it is about, the field.
enum PromptView {
    static func render(_ prompt: TextPrompt, model: Model, into screen: inout Screen) {
        let theme = model.theme
        let width = min(screen.size.width - 4, 72)
        let area = screen.bounds.centered(width: width, height: prompt.lines.count + 5)
        let inner = dialogPanel(prompt.title, model: model, area: area, into: &screen)
        guard !inner.isEmpty else { return }
        for (row, line) in prompt.lines.prefix(max(0, inner.height - 3)).enumerated() {
            screen.put(line, x: inner.x + 1, y: inner.y + row, style: theme[.dialog], maxWidth: inner.width - 2)
        }
        let y = inner.y + min(prompt.lines.count, max(0, inner.height - 3)) + 1
        prompt.field.render(into: &screen, area: Rect(x: inner.x + 1, y: y, width: inner.width - 2, height: 1), prompt: "",
                            style: theme[.input], promptStyle: theme[.input])
        screen.put("Enter add · Esc cancel", x: inner.x + 1, y: inner.maxY - 1, style: theme[.dialog], maxWidth: inner.width - 2)
    }
}
