/// A bordered box with a title; returns the inner rectangle for its content.
public struct Panel: Sendable {
    public var title: String
    public var focused: Bool
    public var trailing: String
    public init(title: String, focused: Bool, trailing: String = "") {
        self.title = title
        self.focused = focused
        self.trailing = trailing
    }

    @discardableResult
    public func render(into screen: inout Screen, area: Rect, theme: Theme, glyphs: Glyphs) -> Rect {
        guard area.width >= 2, area.height >= 2 else { return Rect(x: area.x, y: area.y, width: 0, height: 0) }
        let border = theme[focused ? .borderFocused : .border]
        let h = glyphs.horizontal, v = glyphs.vertical
        screen.fill(area, with: Cell(" ", style: theme[.text]))
        screen.put(glyphs.topLeft + String(repeating: h, count: area.width - 2) + glyphs.topRight, x: area.x, y: area.y, style: border)
        screen.put(glyphs.bottomLeft + String(repeating: h, count: area.width - 2) + glyphs.bottomRight, x: area.x, y: area.maxY - 1, style: border)
        for y in (area.y + 1)..<(area.maxY - 1) {
            screen.put(v, x: area.x, y: y, style: border)
            screen.put(v, x: area.maxX - 1, y: y, style: border)
        }
        let titleText = " \(title) "
        let used = screen.put(titleText, x: area.x + 1, y: area.y, style: theme[focused ? .titleFocused : .title], maxWidth: area.width - 2)
        if !trailing.isEmpty {
            let text = " \(trailing) "
            let width = CharacterWidth.of(text)
            if width + used + 2 < area.width {
                screen.put(text, x: area.maxX - 1 - width, y: area.y, style: theme[.muted])
            }
        }
        return area.inset(1)
    }
}
