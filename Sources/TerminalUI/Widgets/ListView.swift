/// A scrolling list of rows with one selected row.
public struct ListView: Sendable {
    public var rows: [[Span]]
    public var selected: Int?
    public var offset: Int
    public var focused: Bool
    public var emptyText: String

    public init(rows: [[Span]], selected: Int?, offset: Int, focused: Bool, emptyText: String = "") {
        self.rows = rows
        self.selected = selected
        self.offset = offset
        self.focused = focused
        self.emptyText = emptyText
    }

    /// The first visible row so that `selected` shows in a window of `height` rows, moving the
    /// window as little as possible from `offset`.
    public static func scrollOffset(selected: Int, offset: Int, height: Int, count: Int) -> Int {
        guard height > 0, count > 0 else { return 0 }
        var result = offset
        if selected < result { result = selected }
        if selected >= result + height { result = selected - height + 1 }
        return max(0, min(result, max(0, count - height)))
    }

    public func render(into screen: inout Screen, area: Rect, theme: Theme) {
        guard !area.isEmpty else { return }
        if rows.isEmpty {
            screen.put(emptyText, x: area.x + 1, y: area.y, style: theme[.muted], maxWidth: area.width - 1)
            return
        }
        let start = min(max(0, offset), max(0, rows.count - 1))
        for line in 0..<area.height {
            let index = start + line
            guard index < rows.count else { break }
            if index == selected {
                let style = theme[focused ? .selection : .selectionUnfocused]
                let plain = rows[index].map { Span($0.text, style) }
                screen.put(plain, x: area.x, y: area.y + line, width: area.width, fill: style)
            } else {
                screen.put(rows[index], x: area.x, y: area.y + line, width: area.width)
            }
        }
        if rows.count > area.height {
            let indicator = "\(min(rows.count, (selected ?? 0) + 1))/\(rows.count)"
            let width = CharacterWidth.of(indicator)
            if width < area.width { screen.put(indicator, x: area.maxX - width, y: area.maxY, style: theme[.muted]) }
        }
    }
}
