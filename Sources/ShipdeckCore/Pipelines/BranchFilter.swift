import Foundation

/// `branches`: space-separated patterns where `*` matches any run of characters and a leading `!` excludes.
/// A branch passes when it matches a positive pattern (or there are none) and no excluding pattern.
public struct BranchFilter: Sendable, Equatable {
    public var patterns: [String]

    public init(patterns: [String]) { self.patterns = patterns }

    /// Splits `text` on whitespace.
    public init(_ text: String) { patterns = text.split(whereSeparator: \.isWhitespace).map(String.init) }

    public func matches(_ branch: String) -> Bool {
        let excluded = patterns.filter { $0.hasPrefix("!") }.map { String($0.dropFirst()) }
        let included = patterns.filter { !$0.hasPrefix("!") }
        if excluded.contains(where: { Self.wildcard($0, matches: branch) }) { return false }
        return included.isEmpty || included.contains { Self.wildcard($0, matches: branch) }
    }

    /// `*` matches any characters (including `/`); everything else matches itself.
    static func wildcard(_ pattern: String, matches text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] != "*", p[pi] == t[ti] {
                pi += 1; ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi; mark = ti; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
