import Foundation

/// Where in a file something went wrong (1-based line and column).
public struct SourceLocation: Codable, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }
    public var description: String { "\(file):\(line):\(column)" }
}

/// A typed error that says where and what to do. The CLI and the TUI print the same sentence:
/// `description` is `file:line:column: message (hint)` or `field: message (hint)`.
public struct ShipdeckError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case config, theme, store, refused, notFound, invalid, io
    }
    public var kind: Kind
    public var message: String
    public var location: SourceLocation?
    /// A dotted field path such as `services.orders.port`, when no file location applies.
    public var field: String?
    public var hint: String?

    public init(_ kind: Kind, _ message: String, at location: SourceLocation? = nil, field: String? = nil, hint: String? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
        self.field = field
        self.hint = hint
    }

    public var description: String {
        var text = ""
        if let location { text += "\(location): " } else if let field { text += "\(field): " }
        text += message
        if let hint { text += " (\(hint))" }
        return text
    }
}

/// Several errors found in one pass (a config file with three mistakes reports all three).
public struct ShipdeckErrors: Error, Sendable, Equatable, CustomStringConvertible {
    public var errors: [ShipdeckError]
    public init(_ errors: [ShipdeckError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
