import Foundation

/// An `if_changed` glob: `**` matches across folders, `*` and `?` within one path segment, `{a,b}` either.
public struct ChangedFileGlob: Sendable, Equatable {
    public var pattern: String
    let regex: String

    /// - Throws: a message when the braces do not balance.
    public init(_ pattern: String) throws(GlobError) {
        self.pattern = pattern
        regex = try Self.translate(pattern)
    }

    public struct GlobError: Error, Sendable, Equatable { public var message: String }

    public func matches(_ path: String) -> Bool {
        let candidate = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        guard let expression = try? NSRegularExpression(pattern: regex) else { return false }
        return expression.firstMatch(in: candidate, range: NSRange(candidate.startIndex..., in: candidate)) != nil
    }

    static func translate(_ pattern: String) throws(GlobError) -> String {
        let chars = Array(pattern.hasPrefix("./") ? String(pattern.dropFirst(2)) : pattern)
        var out = "^", i = 0, braces = 0
        while i < chars.count {
            let char = chars[i]
            switch char {
            case "*":
                if i + 1 < chars.count, chars[i + 1] == "*" {
                    i += 1
                    if i + 1 < chars.count, chars[i + 1] == "/" { i += 1; out += "(?:.*/)?" } else { out += ".*" }
                } else {
                    out += "[^/]*"
                }
            case "?": out += "[^/]"
            case "{": braces += 1; out += "(?:"
            case "}":
                guard braces > 0 else { throw GlobError(message: "'}' without a matching '{'") }
                braces -= 1; out += ")"
            case "," where braces > 0: out += "|"
            default: out += NSRegularExpression.escapedPattern(for: String(char))
            }
            i += 1
        }
        guard braces == 0 else { throw GlobError(message: "'{' without a matching '}'") }
        return out + "$"
    }
}
