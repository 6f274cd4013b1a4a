/// "Did you mean…?" suggestions for misspelt names, by edit distance.
public enum Suggestion {
    /// The Levenshtein distance between two strings (case-insensitive).
    public static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// The candidate closest to `word`, if it is close enough to be a plausible typo.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let limit = max(2, word.count / 3)
        let scored = candidates.map { ($0, editDistance(word, $0)) }.filter { $0.1 <= limit }
        return scored.min { ($0.1, $0.0) < ($1.1, $1.0) }?.0
    }

    /// A hint such as `did you mean 'port'?`, or a list of the valid names when nothing is close.
    public static func hint(for word: String, in candidates: [String]) -> String {
        if let best = closest(to: word, in: candidates) { return "did you mean '\(best)'?" }
        return "expected one of: " + candidates.joined(separator: ", ")
    }
}
