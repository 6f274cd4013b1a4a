import ShipdeckCore

/// The board's `/` filter: plain words match a card's id, title, description, column, assignee,
/// labels and services; `@ana` or `assignee:ana`, `label:bug` and `service:orders` match that field
/// only (a prefix of it). Every term must match; case does not matter.
public struct CardFilter: Sendable, Equatable {
    public var words: [String] = []
    public var assignees: [String] = []
    public var labels: [String] = []
    public var services: [String] = []

    public init(_ text: String) {
        for term in text.lowercased().split(separator: " ").map(String.init) {
            if term.hasPrefix("@"), term.count > 1 { assignees.append(String(term.dropFirst())) }
            else if term.hasPrefix("assignee:"), term.count > 9 { assignees.append(String(term.dropFirst(9))) }
            else if term.hasPrefix("label:"), term.count > 6 { labels.append(String(term.dropFirst(6))) }
            else if term.hasPrefix("service:"), term.count > 8 { services.append(String(term.dropFirst(8))) }
            else { words.append(term) }
        }
    }

    public func matches(_ card: Card) -> Bool { matches(card, text: PaneRows.searchText(card).lowercased()) }

    /// `matches` with the card's lowercased search text already made.
    func matches(_ card: Card, text: String) -> Bool {
        if !assignees.isEmpty {
            let assignee = card.assignee?.lowercased() ?? ""
            guard assignees.allSatisfy({ assignee.hasPrefix($0) }) else { return false }
        }
        if !labels.isEmpty, !labels.allSatisfy({ wanted in card.labels.contains { $0.lowercased().hasPrefix(wanted) } }) { return false }
        if !services.isEmpty, !services.allSatisfy({ wanted in card.services.contains { $0.lowercased().hasPrefix(wanted) } }) { return false }
        guard !words.isEmpty else { return true }
        return words.allSatisfy { Self.bytes(of: text, contain: $0) }
    }

    /// Byte-wise substring search of lowercased UTF-8 text: a match of lowercased bytes is a
    /// match of the text, and it is many times faster than `String.contains` over 10,000 cards.
    static func bytes(of text: String, contain word: String) -> Bool {
        var text = text, word = word
        return text.withUTF8 { haystack in
            word.withUTF8 { needle in
                guard !needle.isEmpty else { return true }
                guard haystack.count >= needle.count else { return false }
                let first = needle[0], last = haystack.count - needle.count
                var start = 0
                while start <= last {
                    if haystack[start] == first {
                        var offset = 1
                        while offset < needle.count && haystack[start + offset] == needle[offset] { offset += 1 }
                        if offset == needle.count { return true }
                    }
                    start += 1
                }
                return false
            }
        }
    }
}
