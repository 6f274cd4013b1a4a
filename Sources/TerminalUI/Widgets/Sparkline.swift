/// A one-row chart of recent values, oldest left, newest right: each value one cell, drawn with the
/// glyphs' levels (`▁▂▃▄▅▆▇█`, or `_.-=+*#@` in ASCII).
///
/// Values are scaled between `minimum` (default 0, or the lowest value when one is negative) and
/// `maximum` (default the highest value), so a steady series draws a flat line at its height and a
/// zero draws the lowest level.
public struct Sparkline: Sendable, Equatable {
    public var values: [Double]
    public var minimum: Double?
    public var maximum: Double?

    public init(_ values: [Double], minimum: Double? = nil, maximum: Double? = nil) {
        self.values = values
        self.minimum = minimum
        self.maximum = maximum
    }

    /// The newest `width` values as level glyphs; empty when there are no values.
    public func text(width: Int, glyphs: Glyphs) -> String {
        guard width > 0, !values.isEmpty, !glyphs.levels.isEmpty else { return "" }
        let shown = values.suffix(width).map { $0.isFinite ? $0 : 0 }
        let low = minimum ?? Swift.min(0, shown.min() ?? 0)
        let high = maximum ?? (shown.max() ?? 0)
        let top = glyphs.levels.count - 1
        return shown.map { value in
            guard high > low else { return glyphs.levels[value > low ? top : 0] }
            let ratio = (Swift.min(high, Swift.max(low, value)) - low) / (high - low)
            return glyphs.levels[Int((ratio * Double(top)).rounded())]
        }.joined()
    }

    /// Draws the newest values that fit into the first row of `area`, right-aligned so the newest
    /// value sits at the right edge; returns the columns drawn.
    @discardableResult
    public func render(into screen: inout Screen, area: Rect, style: Style, glyphs: Glyphs) -> Int {
        guard area.width > 0, area.height > 0 else { return 0 }
        let text = text(width: area.width, glyphs: glyphs)
        let width = CharacterWidth.of(text)
        return screen.put(text, x: area.x + area.width - width, y: area.y, style: style, maxWidth: area.width)
    }
}
