import Foundation

/// A board written out for people (Markdown) or other tools (CSV, JSON), and read back from CSV or
/// JSON. JSON keeps everything, linked commits included; CSV keeps each card's own fields.
public enum BoardExport {
    public enum Format: String, CaseIterable, Sendable {
        case markdown, csv, json
    }

    /// The CSV columns, in order.
    public static let csvHeader = ["id", "title", "description", "column", "position", "assignee", "labels", "services", "created", "updated"]

    public static func render(_ board: BoardSnapshot, as format: Format) throws -> String {
        switch format {
        case .markdown: return markdown(board)
        case .csv: return csv(board)
        case .json: return try json(board)
        }
    }

    /// `## In Progress (2/4)` per column, a bullet per card with its assignee, labels, services and delivery.
    public static func markdown(_ board: BoardSnapshot) -> String {
        var lines: [String] = []
        for column in board.columns {
            let count = column.wipLimit.map { "\(column.cards.count)/\($0)" } ?? "\(column.cards.count)"
            lines.append("## \(column.name) (\(count))\(column.overLimit ? " — over its WIP limit" : "")")
            lines.append("")
            for card in column.cards {
                var line = "- **\(card.id)** \(card.title)"
                if let assignee = card.assignee { line += " @\(assignee)" }
                if !card.labels.isEmpty { line += " " + card.labels.map { "`\($0)`" }.joined(separator: " ") }
                if !card.services.isEmpty { line += " (\(card.services.joined(separator: ", ")))" }
                if let flag = card.flag { line += " ⚑ \(flag)" }
                lines.append(line)
                for commit in card.commits {
                    let runs = commit.runsIn.isEmpty ? "not deployed" : "runs in " + commit.runsIn.joined(separator: ", ")
                    lines.append("  - \(commit.service) `\(commit.shortSHA)` \(commit.subject) — \(runs)")
                }
            }
            if !column.cards.isEmpty { lines.append("") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func csv(_ board: BoardSnapshot) -> String {
        var rows = [csvHeader]
        for column in board.columns {
            for card in column.cards {
                rows.append([card.id, card.title, card.description, card.column, String(card.position), card.assignee ?? "",
                             card.labels.joined(separator: ";"), card.services.joined(separator: ";"),
                             Self.date(card.createdAt), Self.date(card.updatedAt)])
            }
        }
        return rows.map { $0.map(CSVText.quoted).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// `{"columns": [...], "cards": [...]}` with ISO 8601 dates.
    public static func json(_ board: BoardSnapshot) throws -> String {
        let document = Document(columns: board.columns.map(\.name), cards: board.columns.flatMap(\.cards))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }

    struct Document: Codable {
        var columns: [String]?
        var cards: [Card]
    }

    /// The cards of an exported file; the format follows from the file's extension unless given.
    /// - Throws: `ShipdeckError` naming the file, line and column (CSV) or the field (JSON).
    public static func parse(_ text: String, file: String, format: Format?) throws -> [Card] {
        let format = format ?? Format(rawValue: URL(fileURLWithPath: file).pathExtension.lowercased()) ?? .json
        switch format {
        case .markdown:
            throw ShipdeckError(.invalid, "\(file): a Markdown export is for reading and cannot be imported", field: "format",
                                hint: "export with --format json (everything) or --format csv, and import that file")
        case .json: return try parseJSON(text, file: file)
        case .csv: return try parseCSV(text, file: file)
        }
    }

    static func parseJSON(_ text: String, file: String) throws -> [Card] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(Document.self, from: Data(text.utf8)).cards
        } catch let DecodingError.keyNotFound(key, context) {
            throw ShipdeckError(.invalid, "\(file): \(path(context.codingPath + [key])) is missing", field: path(context.codingPath + [key]),
                                hint: "every card needs id, title, column, createdAt and updatedAt")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw ShipdeckError(.invalid, "\(file): \(path(context.codingPath)) has the wrong type: \(context.debugDescription)",
                                field: path(context.codingPath), hint: "compare it with a file from `shipdeck board export --format json`")
        } catch let DecodingError.dataCorrupted(context) {
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            throw ShipdeckError(.invalid, "\(file): \(context.codingPath.isEmpty ? "not valid JSON" : path(context.codingPath)): \(underlying ?? context.debugDescription)",
                                field: path(context.codingPath), hint: "compare it with a file from `shipdeck board export --format json`")
        }
    }

    static func parseCSV(_ text: String, file: String) throws -> [Card] {
        let rows = try CSVText.rows(text, file: file)
        guard let header = rows.first else { throw ShipdeckError(.invalid, "\(file): the file is empty", hint: "export a board with --format csv") }
        var index: [String: Int] = [:]
        for (position, name) in header.fields.enumerated() { index[name.trimmingCharacters(in: .whitespaces).lowercased()] = position }
        for required in ["id", "title", "column"] where index[required] == nil {
            throw ShipdeckError(.invalid, "\(file):1: the header has no '\(required)' column", field: required,
                                hint: "the first line names the columns: " + csvHeader.joined(separator: ","))
        }
        var cards: [Card] = []
        for row in rows.dropFirst() where !(row.fields.count == 1 && row.fields[0].isEmpty) {
            func value(_ name: String) -> String? { index[name].flatMap { $0 < row.fields.count ? row.fields[$0] : nil } }
            func list(_ name: String) -> [String] { (value(name) ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
            func date(_ name: String) throws -> Date? {
                guard let text = value(name), !text.isEmpty else { return nil }
                guard let parsed = ISO8601DateFormatter().date(from: text) else {
                    throw ShipdeckError(.invalid, "\(file):\(row.line):\((index[name] ?? 0) + 1): '\(text)' is not a date", field: name,
                                        hint: "write it as 2026-12-06T21:00:00Z")
                }
                return parsed
            }
            let position: Int
            if let text = value("position"), !text.isEmpty {
                guard let number = Int(text) else {
                    throw ShipdeckError(.invalid, "\(file):\(row.line):\((index["position"] ?? 0) + 1): position '\(text)' is not a whole number",
                                        field: "position", hint: "write 0, 1, 2… or leave it empty")
                }
                position = number
            } else {
                position = cards.count
            }
            let created = try date("created") ?? Date(timeIntervalSince1970: 0)
            let assignee = value("assignee").flatMap { $0.isEmpty ? nil : $0 }
            cards.append(Card(id: value("id") ?? "", title: value("title") ?? "", description: value("description") ?? "", column: value("column") ?? "",
                              position: position, assignee: assignee, labels: list("labels"), services: list("services"),
                              createdAt: created, updatedAt: try date("updated") ?? created))
        }
        return cards
    }

    static func date(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }
}

/// RFC 4180 CSV: fields quoted when they hold a comma, quote or line break; read back with the line
/// each row starts on, for error messages.
enum CSVText {
    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    struct Row {
        var line: Int
        var fields: [String]
    }

    static func rows(_ text: String, file: String) throws -> [Row] {
        var rows: [Row] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var line = 1
        var rowLine = 1
        var column = 0
        var characters = Array(text.replacingOccurrences(of: "\r\n", with: "\n"))[...]
        var fieldStart = true
        while let character = characters.popFirst() {
            column += 1
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" { field.append("\""); _ = characters.popFirst(); column += 1 } else { quoted = false }
                } else {
                    if character == "\n" { line += 1; column = 0 }
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where fieldStart: quoted = true
            case "\"":
                throw ShipdeckError(.invalid, "\(file):\(line):\(column): a quote inside an unquoted field", field: "csv",
                                    hint: "quote the whole field and double the quotes inside it: \"say \"\"hi\"\"\"")
            case ",":
                fields.append(field)
                field = ""
                fieldStart = true
                continue
            case "\n":
                fields.append(field)
                rows.append(Row(line: rowLine, fields: fields))
                fields = []
                field = ""
                line += 1
                rowLine = line
                column = 0
                fieldStart = true
                continue
            default: field.append(character)
            }
            fieldStart = false
        }
        if quoted {
            throw ShipdeckError(.invalid, "\(file):\(rowLine): a quoted field is not closed", field: "csv", hint: "add the closing quote")
        }
        if !field.isEmpty || !fields.isEmpty {
            fields.append(field)
            rows.append(Row(line: rowLine, fields: fields))
        }
        return rows
    }
}
