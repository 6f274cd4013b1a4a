import ArgumentParser
import Foundation
import ShipdeckAPI
import ShipdeckApp
import ShipdeckCore

struct CardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card", abstract: "Add, move, list and delete cards through the running core.",
        subcommands: [Add.self, Move.self, List.self, Show.self, Delete.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a card (at the end of the first column unless --column says).")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The card's title.") var title: String
        @Option(name: .long, help: "A longer description.") var description = ""
        @Option(name: .long, help: "A service the card changes (repeat for several).") var service: [String] = []
        @Option(name: .long, help: "A label (repeat for several).") var label: [String] = []
        @Option(name: .long, help: "Who works on it (a handle from people:).") var assignee: String?
        @Option(name: .long, help: "The column, e.g. \"In Progress\".") var column: String?

        func run() async throws {
            let outcome = try await perform(.addCard(title: title, description: description, services: service, labels: label, assignee: assignee, column: column),
                                            workspace: options.directory)
            let added = try await currentSnapshot(workspace: options.directory).board.columns.flatMap(\.cards).first { $0.id == outcome.card }
            print("\(added?.id ?? "card") added to \(added?.column ?? column ?? "the board"): \(title)")
        }
    }

    struct Move: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move a card to another column.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The card id, e.g. SHP-3.") var id: String
        @Argument(help: "The column name, e.g. \"In Test\".") var column: String
        @Flag(name: .long, help: "Move to Done although the card's change is not running in prod (the card's history records the override).")
        var force = false

        func run() async throws {
            try await perform(.moveCard(id: id, toColumn: column, override: force), workspace: options.directory)
            print("\(id) moved to \(column)\(force ? " (override recorded)" : "")")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the cards, column by column, with where their changes run.")
        @OptionGroup var options: WorkspaceOptions
        @Option(name: .long, help: "Only this column.") var column: String?
        @Flag(name: .long, help: "Print the cards as JSON.") var json = false

        func run() async throws {
            let board = try await currentSnapshot(workspace: options.directory).board
            let columns = board.columns.filter { column == nil || $0.name == column }
            if let column, columns.isEmpty {
                throw CLIError.report(ShipdeckError(.invalid, "there is no column '\(column)' on the board", field: "column",
                                                    hint: Suggestion.hint(for: column, in: board.columns.map(\.name))))
            }
            if json {
                FileHandle.standardOutput.write(try APIDocuments.encoder().encode(columns.flatMap(\.cards)) + Data("\n".utf8))
                return
            }
            for column in columns {
                let count = column.wipLimit.map { "\(column.cards.count)/\($0)" } ?? "\(column.cards.count)"
                print("\(column.name) (\(count))\(column.overLimit ? "  over WIP limit" : "")")
                for card in column.cards { print("  " + CardLine.text(card)) }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a card: its fields, linked commits, where they run, and its history.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The card id, e.g. SHP-3.") var id: String

        func run() async throws {
            let snapshot = try await currentSnapshot(workspace: options.directory)
            guard let card = snapshot.board.columns.flatMap(\.cards).first(where: { $0.id.caseInsensitiveCompare(id) == .orderedSame }) else {
                throw CLIError.report(ShipdeckError(.notFound, "there is no card \(id)", field: id, hint: "`shipdeck card list` lists the cards"))
            }
            let history: [CardHistoryEntry]
            do {
                if try CoreLocator(workspace: options.directory).locate() != nil {
                    history = try await RemoteCore(locator: CoreLocator(workspace: options.directory)).cardHistory(id: card.id)
                } else {
                    history = try await WorkspaceCore.open(directory: options.directory, environment: ProcessInfo.processInfo.environment)
                        .cardHistory(id: card.id)
                }
            } catch { throw CLIError.report(error) }
            for line in CardDetail.lines(card, snapshot: snapshot, now: Date(), history: history) { print(line) }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a card.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The card id, e.g. SHP-3.") var id: String

        func run() async throws {
            try await perform(.deleteCard(id: id), workspace: options.directory)
            print("\(id) deleted")
        }
    }
}

extension BoardExport.Format: ExpressibleByArgument {}

struct BoardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board", abstract: "Export the board (Markdown, CSV, JSON) or import cards from an export.",
        subcommands: [Export.self, Import.self])

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the board (or write it to --output).")
        @OptionGroup var options: WorkspaceOptions
        @Option(name: .long, help: "markdown, csv or json (json keeps everything, linked commits included).") var format: BoardExport.Format = .markdown
        @Option(name: [.short, .long], help: "Write to this file instead of standard output.") var output: String?

        func run() async throws {
            let board = try await currentSnapshot(workspace: options.directory).board
            let text = try BoardExport.render(board, as: format)
            if let output {
                do { try text.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                    throw CLIError.report(ShipdeckError(.io, "could not write \(output): \(error.localizedDescription)", field: "output",
                                                        hint: "check that the folder exists and is writable"))
                }
                print("\(board.cardCount) cards written to \(output)")
            } else {
                print(text, terminator: "")
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import cards from a JSON or CSV export: each replaces the card with its id or is added; all or nothing.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The file (its extension, .json or .csv, says the format unless --format does).") var file: String
        @Option(name: .long, help: "json or csv.") var format: BoardExport.Format?

        func run() async throws {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw CLIError.report(ShipdeckError(.io, "could not read \(file): \(error.localizedDescription)", field: "file",
                                                    hint: "pass the path of a file from `shipdeck board export`"))
            }
            let cards: [Card]
            do { cards = try BoardExport.parse(text, file: file, format: format) } catch { throw CLIError.report(error) }
            try await perform(.importCards(cards: cards), workspace: options.directory)
            print("\(cards.count) card\(cards.count == 1 ? "" : "s") imported from \(file)")
        }
    }
}

/// One card as the CLI lists it: id, title, assignee, labels, and where its change runs.
enum CardLine {
    static func text(_ card: Card) -> String {
        var line = "\(card.id.padding(toLength: 8, withPad: " ", startingAt: 0)) \(card.title)"
        if let assignee = card.assignee { line += "  @\(assignee)" }
        if !card.labels.isEmpty { line += "  [" + card.labels.joined(separator: ", ") + "]" }
        if !card.commits.isEmpty {
            let environments = Set(card.commits.flatMap(\.runsIn))
            let runs = ["test", "prod"].filter(environments.contains)
            line += "  \(card.commits.count) commit\(card.commits.count == 1 ? "" : "s"), " + (runs.isEmpty ? "not deployed" : "runs in " + runs.joined(separator: ", "))
        }
        if let flag = card.flag { line += "  ⚑ \(flag)" }
        return line
    }
}
