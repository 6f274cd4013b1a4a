/// An editable line of text with a cursor (filter, command palette, forms).
public struct TextField: Sendable, Equatable {
    public private(set) var text: String
    /// Cursor position in characters.
    public private(set) var cursor: Int

    public init(_ text: String = "") {
        self.text = text
        self.cursor = text.count
    }

    /// Applies an editing key; returns false when the key is not an editing key.
    @discardableResult
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .character(let c): insert(String(c))
        case .backspace:
            guard cursor > 0 else { return true }
            let index = text.index(text.startIndex, offsetBy: cursor - 1)
            text.remove(at: index)
            cursor -= 1
        case .delete:
            guard cursor < text.count else { return true }
            text.remove(at: text.index(text.startIndex, offsetBy: cursor))
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(text.count, cursor + 1)
        case .home, .ctrl("a"): cursor = 0
        case .end, .ctrl("e"): cursor = text.count
        case .ctrl("u"):
            text.removeFirst(cursor)
            cursor = 0
        case .ctrl("k"):
            text = String(text.prefix(cursor))
        case .ctrl("w"):
            let before = Array(text.prefix(cursor))
            var cut = before.count
            while cut > 0 && before[cut - 1] == " " { cut -= 1 }
            while cut > 0 && before[cut - 1] != " " { cut -= 1 }
            text = String(before[..<cut]) + text.dropFirst(cursor)
            cursor = cut
        default: return false
        }
        return true
    }

    /// Inserts `string` at the cursor (typing or a paste; line breaks become spaces).
    public mutating func insert(_ string: String) {
        let clean = string.map { $0.isNewline ? " " : $0 }
        let index = text.index(text.startIndex, offsetBy: cursor)
        text.insert(contentsOf: clean, at: index)
        cursor += clean.count
    }

    /// Replaces the whole text and puts the cursor at its end.
    public mutating func set(_ newText: String) {
        text = newText
        cursor = newText.count
    }

    /// Draws `prompt` and the text, scrolled so the cursor shows; the cursor cell is reversed.
    public func render(into screen: inout Screen, area: Rect, prompt: String, style: Style, promptStyle: Style) {
        guard !area.isEmpty else { return }
        screen.fill(area.row(0), with: Cell(" ", style: style))
        let promptWidth = screen.put(prompt, x: area.x, y: area.y, style: promptStyle, maxWidth: area.width)
        let room = max(1, area.width - promptWidth - 1)
        let characters = Array(text)
        let start = max(0, cursor - room + 1)
        let visible = String(characters[min(start, characters.count)..<min(characters.count, start + room)])
        screen.put(visible, x: area.x + promptWidth, y: area.y, style: style)
        let cursorX = area.x + promptWidth + CharacterWidth.of(String(characters[start..<cursor]))
        if cursorX < area.maxX {
            var cell = screen[cursorX, area.y]
            cell.style = style.adding(.reverse)
            screen[cursorX, area.y] = cell
        }
    }
}
