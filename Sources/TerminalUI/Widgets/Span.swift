/// A piece of text in one style; a row of a list is an array of spans.
public struct Span: Sendable, Hashable {
    public var text: String
    public var style: Style
    public init(_ text: String, _ style: Style = .plain) {
        self.text = text
        self.style = style
    }
}

extension Screen {
    /// Writes `spans` left to right from (`x`, `y`), clipped to `width` columns; the rest of the
    /// width is filled with spaces in `fill` style when given. Returns the columns written by spans.
    @discardableResult
    public mutating func put(_ spans: [Span], x: Int, y: Int, width: Int, fill: Style? = nil) -> Int {
        var column = 0
        for span in spans where column < width {
            column += put(span.text, x: x + column, y: y, style: span.style, maxWidth: width - column)
        }
        if let fill, column < width { self.fill(Rect(x: x + column, y: y, width: width - column, height: 1), with: Cell(" ", style: fill)) }
        return column
    }
}
