/// A centred box with a title, lines of text and a row of buttons; used for confirmations.
public struct Dialog: Sendable {
    public var title: String
    public var lines: [String]
    public var buttons: [String]
    public var selectedButton: Int

    public init(title: String, lines: [String], buttons: [String], selectedButton: Int) {
        self.title = title
        self.lines = lines
        self.buttons = buttons
        self.selectedButton = selectedButton
    }

    public func render(into screen: inout Screen, theme: Theme, glyphs: Glyphs) {
        let buttonRow = buttons.enumerated().map { "[ \($0.element) ]" }.joined(separator: "  ")
        let contentWidth = max(CharacterWidth.of(title) + 4, CharacterWidth.of(buttonRow), lines.map { CharacterWidth.of($0) }.max() ?? 0)
        let width = min(screen.size.width - 2, contentWidth + 4)
        let height = min(screen.size.height - 2, lines.count + 5)
        let area = screen.bounds.centered(width: width, height: height)
        let inner = Panel(title: title, focused: true).render(into: &screen, area: area, theme: theme.dialogFrame, glyphs: glyphs)
        for (index, line) in lines.enumerated() where index < inner.height - 2 {
            screen.put(line, x: inner.x + 1, y: inner.y + 1 + index, style: theme[.dialog], maxWidth: inner.width - 2)
        }
        var x = inner.x + max(1, (inner.width - CharacterWidth.of(buttonRow)) / 2)
        for (index, button) in buttons.enumerated() {
            let label = "[ \(button) ]"
            let style = index == selectedButton ? theme[.selection] : theme[.dialog]
            x += screen.put(label, x: x, y: inner.maxY - 1, style: style, maxWidth: inner.maxX - x) + 2
        }
    }
}
