import TerminalUI

/// The card form: a label and a one-line input per field; the focused input shows its cursor.
enum CardFormView {
    static func render(_ form: CardForm, model: Model, into screen: inout Screen) {
        let theme = model.theme
        let width = min(screen.size.width - 4, 76)
        let area = screen.bounds.centered(width: width, height: CardForm.Field.allCases.count * 2 + 4)
        let inner = Panel(title: form.title, focused: true).render(into: &screen, area: area, theme: theme.dialogFrame, glyphs: model.glyphs)
        for field in CardForm.Field.allCases {
            let index = field.rawValue
            let y = inner.y + index * 2
            screen.put(field.label, x: inner.x + 1, y: y, style: theme[index == form.focused ? .key : .dialog], maxWidth: inner.width - 2)
            let input = Rect(x: inner.x + 1, y: y + 1, width: inner.width - 2, height: 1)
            if index == form.focused {
                form.values[index].render(into: &screen, area: input, prompt: "", style: theme[.input], promptStyle: theme[.input])
            } else {
                screen.fill(input, with: Cell(" ", style: theme[.input]))
                screen.put(form.values[index].text, x: input.x, y: input.y, style: theme[.input], maxWidth: input.width)
            }
        }
        screen.put("Tab / ↑ ↓ next field · Enter save · Esc cancel", x: inner.x + 1, y: inner.maxY - 1, style: theme[.dialog], maxWidth: inner.width - 2)
    }
}
