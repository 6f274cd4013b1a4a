/// Reads a theme file: a palette of named colours and a style per role.
///
/// ```
/// # Dracula (a comment)
/// name = dracula
/// [palette]
/// purple = #bd93f9
/// [roles]
/// titleFocused = purple bold
/// selection = #f8f8f2 on purple
/// ```
/// A style is `[COLOUR] [on COLOUR] [bold] [underline] [reverse] [dim]`; a colour is a palette
/// name, `#rrggbb`, an xterm index 0–255, an ANSI name (`red`, `bright-black`…) or `default`.
/// Roles the file leaves out keep the built-in default's style.
public enum ThemeParser {
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    public static func parse(_ text: String, file: String) throws(Failure) -> Theme {
        var name = file
        var palette: [String: Color] = [:]
        var styles = Theme.fallback.styles
        var section = ""
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            // A comment is a line starting with '#', or ' # ' after a value ('#rrggbb' stays a colour).
            var trimmed = String(rawLine).trimmingCharacters(in: " \t\r")
            if trimmed.hasPrefix("#") { continue }
            if let comment = trimmed.firstRange(of: " # ") { trimmed = String(trimmed[..<comment.lowerBound]).trimmingCharacters(in: " \t") }
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]") else { throw Failure(file: file, line: lineNumber, message: "section header must end with ']'") }
                section = String(trimmed.dropFirst().dropLast())
                guard ["palette", "roles"].contains(section) else {
                    throw Failure(file: file, line: lineNumber, message: "unknown section [\(section)]; use [palette] or [roles]")
                }
                continue
            }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw Failure(file: file, line: lineNumber, message: "expected 'key = value'")
            }
            let key = trimmed[..<equals].trimmingCharacters(in: " \t")
            let value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: " \t")
            switch section {
            case "":
                guard key == "name" else { throw Failure(file: file, line: lineNumber, message: "unknown key '\(key)' before [palette]; only 'name' goes there") }
                name = value
            case "palette":
                guard let color = parseColor(value, palette: [:]) else {
                    throw Failure(file: file, line: lineNumber, message: "'\(value)' is not a colour; use #rrggbb, 0-255 or an ANSI name")
                }
                palette[key] = color
            default:
                guard let role = ThemeRole(rawValue: key) else {
                    let known = ThemeRole.allCases.map(\.rawValue).joined(separator: ", ")
                    throw Failure(file: file, line: lineNumber, message: "unknown role '\(key)'; roles are \(known)")
                }
                styles[role] = try parseStyle(value, palette: palette, file: file, line: lineNumber)
            }
        }
        return Theme(name: name, styles: styles)
    }

    static func parseStyle(_ text: String, palette: [String: Color], file: String, line: Int) throws(Failure) -> Style {
        var style = Style()
        var words = text.split(separator: " ").map(String.init)[...]
        var sawForeground = false
        while let word = words.popFirst() {
            switch word {
            case "bold": style.attributes.insert(.bold)
            case "underline": style.attributes.insert(.underline)
            case "reverse": style.attributes.insert(.reverse)
            case "dim": style.attributes.insert(.dim)
            case "on":
                guard let next = words.popFirst(), let color = parseColor(next, palette: palette) else {
                    throw Failure(file: file, line: line, message: "'on' must be followed by a colour")
                }
                style.background = color
            default:
                guard !sawForeground, let color = parseColor(word, palette: palette) else {
                    throw Failure(file: file, line: line, message: "'\(word)' is not a colour, palette name or attribute (bold, underline, reverse, dim)")
                }
                style.foreground = color
                sawForeground = true
            }
        }
        return style
    }

    static let ansiNames = [
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
        "bright-black", "bright-red", "bright-green", "bright-yellow", "bright-blue", "bright-magenta", "bright-cyan", "bright-white",
    ]

    static func parseColor(_ text: String, palette: [String: Color]) -> Color? {
        if let color = palette[text] { return color }
        if text == "default" { return .default }
        if let index = ansiNames.firstIndex(of: text) { return .ansi(UInt8(index)) }
        if let number = Int(text), (0...255).contains(number) { return .indexed(UInt8(number)) }
        if text.hasPrefix("#"), text.count == 7, let value = UInt32(text.dropFirst(), radix: 16) {
            return .rgb(UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF))
        }
        return nil
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
extension Substring {
    func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
