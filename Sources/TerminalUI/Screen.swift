/// One terminal cell: the text it shows and its style. A wide character occupies its cell and
/// a following continuation cell whose `text` is empty.
public struct Cell: Sendable, Hashable {
    public var text: String
    public var style: Style
    public init(_ text: String = " ", style: Style = .plain) {
        self.text = text
        self.style = style
    }
    public static let blank = Cell()
    var isContinuation: Bool { text.isEmpty }
}

/// A frame: a grid of cells that views draw into and the terminal diffs against the last frame.
public struct Screen: Sendable, Equatable {
    public private(set) var size: Size
    public private(set) var cells: [Cell]

    public init(size: Size, fill: Cell = .blank) {
        self.size = Size(width: max(0, size.width), height: max(0, size.height))
        self.cells = Array(repeating: fill, count: self.size.width * self.size.height)
    }

    /// A screen holding `lines` as plain text; its width is the widest line (or `width`).
    /// Rendering tests compare whole screens against one of these.
    public init(lines: [String], width: Int? = nil) {
        let w = width ?? lines.map { CharacterWidth.of($0) }.max() ?? 0
        self.init(size: Size(width: w, height: lines.count))
        for (y, line) in lines.enumerated() { put(line, x: 0, y: y) }
    }

    public var bounds: Rect { Rect(size: size) }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * size.width + x] }
        set {
            guard x >= 0, y >= 0, x < size.width, y < size.height else { return }
            cells[y * size.width + x] = newValue
        }
    }

    /// Writes `text` at (`x`, `y`) in `style`, clipped to `maxWidth` columns and to the screen.
    /// Returns the number of columns written.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: Style = .plain, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < size.height else { return 0 }
        let limit = min(size.width, x + (maxWidth ?? size.width))
        var column = x
        for character in text {
            let width = CharacterWidth.of(character)
            if width == 0 { continue }
            if column + width > limit { break }
            if column >= 0 {
                cells[y * size.width + column] = Cell(String(character), style: style)
                if width == 2 { cells[y * size.width + column + 1] = Cell("", style: style) }
            }
            column += width
        }
        return column - x
    }

    /// Fills `rect` with `cell`.
    public mutating func fill(_ rect: Rect, with cell: Cell = .blank) {
        let clipped = rect.intersection(bounds)
        guard !clipped.isEmpty else { return }
        for y in clipped.y..<clipped.maxY {
            for x in clipped.x..<clipped.maxX { cells[y * size.width + x] = cell }
        }
    }

    /// Changes the style of every cell in `rect`, keeping its text.
    public mutating func setStyle(_ style: Style, in rect: Rect) {
        let clipped = rect.intersection(bounds)
        guard !clipped.isEmpty else { return }
        for y in clipped.y..<clipped.maxY {
            for x in clipped.x..<clipped.maxX { cells[y * size.width + x].style = style }
        }
    }

    /// The text of row `y`, trailing spaces removed (wide characters counted once).
    public func line(_ y: Int) -> String {
        var text = ""
        for x in 0..<size.width { text += self[x, y].text }
        while text.last == " " { text.removeLast() }
        return text
    }

    /// Every row as text; handy in test failure messages.
    public var lines: [String] { (0..<size.height).map(line) }

    /// Whether any row contains `text`.
    public func contains(_ text: String) -> Bool { lines.contains { $0.contains(text) } }

    /// Screens are equal when their text matches; styles are compared with `styledEquals`.
    public static func == (lhs: Screen, rhs: Screen) -> Bool { lhs.lines == rhs.lines }

    public func styledEquals(_ other: Screen) -> Bool { size == other.size && cells == other.cells }

    /// Runs of changed cells between `previous` and this frame, left to right, top to bottom.
    /// A `nil` or differently sized previous frame yields every row.
    public func changes(since previous: Screen?) -> [CellRun] {
        var runs: [CellRun] = []
        let full = previous == nil || previous!.size != size
        for y in 0..<size.height {
            var x = 0
            while x < size.width {
                let index = y * size.width + x
                if !full && previous!.cells[index] == cells[index] { x += 1; continue }
                var end = x
                // Extend the run while cells differ (or until the row ends when drawing everything).
                while end < size.width {
                    let i = y * size.width + end
                    if !full && previous!.cells[i] == cells[i] {
                        // Keep a wide character's continuation with its head.
                        if end > x && cells[i].isContinuation { end += 1; continue }
                        break
                    }
                    end += 1
                }
                // Never start a run on a continuation cell: back up to the wide head.
                var start = x
                if start > 0 && cells[index].isContinuation { start -= 1 }
                runs.append(CellRun(x: start, y: y, cells: Array(cells[(y * size.width + start)..<(y * size.width + end)])))
                x = end
            }
        }
        return runs
    }
}

/// Consecutive cells on one row that a backend must write.
public struct CellRun: Sendable, Equatable {
    public var x: Int
    public var y: Int
    public var cells: [Cell]
}

extension Rect {
    public func intersection(_ other: Rect) -> Rect {
        let x0 = max(x, other.x), y0 = max(y, other.y)
        let x1 = min(maxX, other.maxX), y1 = min(maxY, other.maxY)
        return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }
}
