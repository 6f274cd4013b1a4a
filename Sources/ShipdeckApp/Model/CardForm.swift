import Foundation
import ShipdeckCore
import TerminalUI

/// The form behind `n` (a new card) and `e` (edit the selected one): one line of text per field,
/// with the text field's editing keys (cursor movement, UTF-8, paste).
public struct CardForm: Sendable, Equatable {
    public enum Field: Int, CaseIterable, Sendable {
        case title, description, services, labels, assignee

        public var label: String {
            switch self {
            case .title: "Title *"
            case .description: "Description"
            case .services: "Services (comma-separated)"
            case .labels: "Labels (comma-separated)"
            case .assignee: "Assignee (a handle)"
            }
        }
    }

    /// The card being edited; nil for a new card.
    public var editing: String?
    /// The column a new card goes to.
    public var column: String?
    public var values: [TextField]
    public var focused = 0

    /// An empty form for a new card in `column`.
    public init(column: String?) {
        self.column = column
        values = Field.allCases.map { _ in TextField() }
    }

    /// A form holding `card`'s fields.
    public init(editing card: Card) {
        editing = card.id
        values = [TextField(card.title), TextField(card.description), TextField(card.services.joined(separator: ", ")),
                  TextField(card.labels.joined(separator: ", ")), TextField(card.assignee ?? "")]
    }

    public var title: String { editing.map { "Edit \($0)" } ?? "New card" + (column.map { " in \($0)" } ?? "") }

    public func value(_ field: Field) -> String { values[field.rawValue].text.trimmingCharacters(in: .whitespaces) }

    func list(_ field: Field) -> [String] {
        value(field).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The command that saves the form.
    public var command: CoreCommand {
        let assignee = value(.assignee).isEmpty ? nil : value(.assignee).trimmingCharacters(in: CharacterSet(charactersIn: "@"))
        if let editing {
            return .editCard(id: editing, title: value(.title), description: value(.description), services: list(.services), labels: list(.labels),
                             assignee: assignee)
        }
        return .addCard(title: value(.title), description: value(.description), services: list(.services), labels: list(.labels),
                        assignee: assignee, column: column)
    }
}
