import TerminalUI

/// Where a binding applies.
public enum BindingScope: Sendable, Equatable, Hashable {
    case global
    case pane(PaneID)
    /// An instance's check detail (`c` on an instance in a service's Fleet detail).
    case checkDetail

    public var title: String {
        switch self {
        case .global: return "Everywhere"
        case .pane(let pane): return pane.title + " pane"
        case .checkDetail: return "Health check detail"
        }
    }
}

/// One key binding: the keys, what they do, and how help describes them. Dispatch, the footer,
/// the `?` overlay and docs/keybindings.md all read these records.
public struct Binding: Sendable, Equatable {
    public var keys: [Key]
    public var action: Action
    public var help: String
    public var scope: BindingScope
    /// The footer's short label; nil keeps the binding out of the footer.
    public var footer: String?
    /// Asks for confirmation before acting (destructive or production-affecting).
    public var destructive: Bool

    public init(_ keys: [Key], _ action: Action, _ help: String, scope: BindingScope = .global, footer: String? = nil, destructive: Bool = false) {
        self.keys = keys
        self.action = action
        self.help = help
        self.scope = scope
        self.footer = footer
        self.destructive = destructive
    }

    /// The keys as help shows them, e.g. `j / ↓`.
    public var keyLabel: String { keys.map(\.description).joined(separator: " / ") }
}
