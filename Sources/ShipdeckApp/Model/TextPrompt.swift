import TerminalUI

/// A dialog with one line of text to type, and what the text is for.
public struct TextPrompt: Sendable, Equatable {
    public enum Purpose: Sendable, Equatable {
        /// A note on an incident's timeline.
        case incidentNote(id: Int64)
    }

    public var title: String
    /// What the dialog says above the field.
    public var lines: [String]
    public var field = TextField()
    public var purpose: Purpose
    /// The mode to go back to once the text is sent or the dialog is closed.
    public var after: Mode

    public init(title: String, lines: [String], purpose: Purpose, after: Mode = .normal) {
        self.title = title
        self.lines = lines
        self.purpose = purpose
        self.after = after
    }

    /// The action that sends `text`.
    func action(_ text: String) -> Action {
        switch purpose {
        case .incidentNote(let id): return .perform(.noteIncident(id: id, text: text))
        }
    }
}
