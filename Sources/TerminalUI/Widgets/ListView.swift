/// A scrolling list of rows with one selected row. It can hold every row, or only the window of
/// rows that shows (`firstIndex` onwards, out of `total`), so long lists cost only what is drawn.
public struct ListView: Sendable {
    /// The rows held, starting at row `firstIndex` of the list.
    public var window: [[Span]]
    public var firstIndex: Int
    public var total: Int
    /// The selected row's index in the whole list.
    public var selected: Int?
    public var focused: Bool
    public var emptyText: String

    /// A list holding all its rows, drawn from row `offset`.
    public init(rows: [[Span]], selected: Int?, offset: Int, focused: Bool, emptyText: String = "") {
        let start = min(max(0, offset), max(0, rows.count - 1))
        self.init(window: Array(rows.dropFirst(start)), firstIndex: start, total: rows.count, selected: selected, focused: focused, emptyText: emptyText)
    }

    /// A list holding only the rows from `firstIndex` that show.
    public init(window: [[Span]], firstIndex: Int, total: Int, selected: Int?, focused: Bool, emptyText: String = "") {
        self.window = window
        self.firstIndex = firstIndex
        self.total = total
        self.selected = selected
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
        if total == 0 {
            screen.put(emptyText, x: area.x + 1, y: area.y, style: theme[.muted], maxWidth: area.width - 1)
            return
        }
        for (line, row) in window.prefix(area.height).enumerated() {
            if firstIndex + line == selected {
                let style = theme[focused ? .selection : .selectionUnfocused]
                let plain = row.map { Span($0.text, style) }
                screen.put(plain, x: area.x, y: area.y + line, width: area.width, fill: style)
            } else {
                screen.put(row, x: area.x, y: area.y + line, width: area.width)
            }
        }
        if total > area.height {
            let indicator = "\(min(total, (selected ?? 0) + 1))/\(total)"
            let width = CharacterWidth.of(indicator)
            if width < area.width { screen.put(indicator, x: area.maxX - width, y: area.maxY, style: theme[.muted]) }
        }
    }
}
