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

    public func matches(_ card: Card) -> Bool {
        if !assignees.isEmpty {
            let assignee = card.assignee?.lowercased() ?? ""
            guard assignees.allSatisfy({ assignee.hasPrefix($0) }) else { return false }
        }
        if !labels.isEmpty, !labels.allSatisfy({ wanted in card.labels.contains { $0.lowercased().hasPrefix(wanted) } }) { return false }
        if !services.isEmpty, !services.allSatisfy({ wanted in card.services.contains { $0.lowercased().hasPrefix(wanted) } }) { return false }
        guard !words.isEmpty else { return true }
        let text = PaneRows.searchText(card).lowercased()
        return words.allSatisfy { text.contains($0) }
    }
}
