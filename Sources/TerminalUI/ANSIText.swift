/// Text that carries ANSI SGR colour codes (a build log), turned into styled spans. Other escape
/// sequences are dropped so they cannot move the cursor or clear the screen.
public enum ANSIText {
    public static func spans(_ text: String, base: Style) -> [Span] {
        guard text.contains("\u{1B}") else { return [Span(text, base)] }
        var spans: [Span] = []
        var style = base
        var current = ""
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            guard scalar == "\u{1B}" else { current.unicodeScalars.append(scalar); continue }
            guard scalars.first == "[" else { _ = scalars.popFirst(); continue }
            scalars = scalars.dropFirst()
            var parameters = ""
            var final: Unicode.Scalar?
            while let next = scalars.popFirst() {
                if (0x40...0x7E).contains(next.value) { final = next; break }
                parameters.unicodeScalars.append(next)
            }
            guard final == "m" else { continue }
            if !current.isEmpty { spans.append(Span(current, style)); current = "" }
            style = apply(parameters, to: style, base: base)
        }
        if !current.isEmpty { spans.append(Span(current, style)) }
        return spans
    }

    /// The text with every escape sequence removed (for searching).
    public static func plain(_ text: String) -> String {
        guard text.contains("\u{1B}") else { return text }
        return spans(text, base: .plain).map(\.text).joined()
    }

    static func apply(_ parameters: String, to style: Style, base: Style) -> Style {
        var style = style
        var codes = parameters.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }[...]
        if codes.isEmpty { codes = [0] }
        while let code = codes.popFirst() {
            switch code {
            case 0: style = base
            case 1: style.attributes.insert(.bold)
            case 2: style.attributes.insert(.dim)
            case 4: style.attributes.insert(.underline)
            case 7: style.attributes.insert(.reverse)
            case 22: style.attributes.subtract([.bold, .dim])
            case 24: style.attributes.remove(.underline)
            case 27: style.attributes.remove(.reverse)
            case 30...37: style.foreground = .ansi(UInt8(code - 30))
            case 39: style.foreground = base.foreground
            case 40...47: style.background = .ansi(UInt8(code - 40))
            case 49: style.background = base.background
            case 90...97: style.foreground = .ansi(UInt8(code - 90 + 8))
            case 100...107: style.background = .ansi(UInt8(code - 100 + 8))
            case 38, 48:
                let isForeground = code == 38
                if codes.first == 5, codes.count >= 2 {
                    codes = codes.dropFirst()
                    let color = Color.indexed(UInt8(clamping: codes.popFirst() ?? 0))
                    if isForeground { style.foreground = color } else { style.background = color }
                } else if codes.first == 2, codes.count >= 4 {
                    codes = codes.dropFirst()
                    let r = UInt8(clamping: codes.popFirst() ?? 0), g = UInt8(clamping: codes.popFirst() ?? 0), b = UInt8(clamping: codes.popFirst() ?? 0)
                    if isForeground { style.foreground = .rgb(r, g, b) } else { style.background = .rgb(r, g, b) }
                }
            default: break
            }
        }
        return style
    }
}
