/// Box-drawing and status symbols, in UTF-8 or in an ASCII fallback for terminals whose locale
/// is not UTF-8 (the Linux console under `LANG=C`, old serial terminals).
public struct Glyphs: Sendable, Equatable {
    public var horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: String
    public var ok, warning, critical, unknown, pending, running: String
    public var pointer, ellipsis, separator, dash: String
    /// Sparkline levels from lowest to highest.
    public var levels: [String]

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        ok: "●", warning: "▲", critical: "✖", unknown: "?", pending: "○", running: "◐",
        pointer: "▶", ellipsis: "…", separator: "│", dash: "—",
        levels: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    )

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        ok: "*", warning: "!", critical: "x", unknown: "?", pending: "o", running: "~",
        pointer: ">", ellipsis: "...", separator: "|", dash: "-",
        levels: ["_", ".", "-", "=", "+", "*", "#", "@"]
    )

    /// UTF-8 glyphs when the locale's character set is UTF-8 (from `LC_ALL`, `LC_CTYPE` or `LANG`).
    public static func forEnvironment(_ environment: [String: String]) -> Glyphs {
        let locale = environment["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["LC_CTYPE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["LANG"] ?? ""
        let upper = locale.uppercased()
        return upper.contains("UTF-8") || upper.contains("UTF8") ? .unicode : .ascii
    }
}

extension String {
    /// The string cut to `width` columns, ending in `ellipsis` when it was longer.
    public func truncated(to width: Int, ellipsis: String = "…") -> String {
        guard width > 0 else { return "" }
        if CharacterWidth.of(self) <= width { return self }
        let ellipsisWidth = CharacterWidth.of(ellipsis)
        guard width > ellipsisWidth else { return String(prefix(width)) }
        var result = "", used = 0
        for character in self {
            let w = CharacterWidth.of(character)
            if used + w > width - ellipsisWidth { break }
            result.append(character)
            used += w
        }
        return result + ellipsis
    }

    /// The string padded with spaces (or cut) to exactly `width` columns.
    public func padded(to width: Int) -> String {
        let w = CharacterWidth.of(self)
        if w >= width { return truncated(to: width, ellipsis: "") }
        return self + String(repeating: " ", count: width - w)
    }
}
