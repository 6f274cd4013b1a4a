/// What a terminal whose locale is not UTF-8 can show: ASCII. Box drawing, dashes, arrows and
/// ellipses become their ASCII look-alikes, anything else '?' (one per column it would have taken,
/// so the layout does not shift).
public enum ASCIIFallback {
    static let lookAlikes: [Unicode.Scalar: String] = [
        "—": "-", "–": "-", "…": ".", "·": ".", "•": "*", "→": ">", "←": "<", "↑": "^", "↓": "v", "▶": ">",
        "─": "-", "│": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+", "├": "+", "┤": "+", "┬": "+", "┴": "+", "┼": "+",
        "●": "*", "○": "o", "◐": "~", "▲": "!", "✖": "x", "‘": "'", "’": "'", "“": "\"", "”": "\"",
    ]

    /// The text of one cell as ASCII.
    public static func map(_ text: String) -> String {
        guard !text.unicodeScalars.allSatisfy(\.isASCII) else { return text }
        guard let scalar = text.unicodeScalars.first else { return text }
        if let lookAlike = lookAlikes[scalar] { return lookAlike }
        return String(repeating: "?", count: max(1, CharacterWidth.of(scalar)))
    }
}
