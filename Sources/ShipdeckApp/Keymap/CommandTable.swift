/// A `:` command: its canonical name, short forms, and what it does. The palette completes names
/// from this table, and help lists it.
public struct PaletteCommand: Sendable, Equatable {
    public var name: String
    public var aliases: [String]
    public var argument: String?
    public var help: String

    public init(_ name: String, aliases: [String] = [], argument: String? = nil, help: String) {
        self.name = name
        self.aliases = aliases
        self.argument = argument
        self.help = help
    }
}

public enum CommandTable {
    public static let commands: [PaletteCommand] = [
        PaletteCommand("board", aliases: ["b", "cards"], help: "Board full screen"),
        PaletteCommand("pipelines", aliases: ["p", "builds"], help: "Pipelines full screen"),
        PaletteCommand("fleet", aliases: ["f", "instances"], help: "Fleet full screen"),
        PaletteCommand("alerts", aliases: ["a", "incidents"], help: "Alerts full screen"),
        PaletteCommand("overview", aliases: ["o", "home"], help: "All four panes"),
        PaletteCommand("filter", aliases: ["f/"], argument: "TEXT", help: "Filter the focused pane"),
        PaletteCommand("clear", aliases: ["nofilter"], help: "Clear the focused pane's filter"),
        PaletteCommand("theme", argument: "NAME", help: "Switch theme"),
        PaletteCommand("build", aliases: ["b!"], argument: "SERVICE", help: "Start a build of a service"),
        PaletteCommand("help", aliases: ["h", "?"], help: "Show help"),
        PaletteCommand("quit", aliases: ["q", "exit"], help: "Quit Shipdeck"),
    ]

    /// The command a typed name means (canonical name or alias), if any.
    public static func resolve(_ name: String) -> PaletteCommand? {
        let lower = name.lowercased()
        return commands.first { $0.name == lower || $0.aliases.contains(lower) }
    }

    /// Completions for the palette text: command names starting with the first word, or, after
    /// `theme `, the theme names.
    public static func completions(for text: String, themes: [String], services: [String] = []) -> [String] {
        let parts = text.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        if parts.count == 2, let command = resolve(parts[0]), command.name == "theme" {
            return themes.filter { $0.hasPrefix(parts[1].lowercased()) }.map { "theme \($0)" }
        }
        if parts.count == 2, let command = resolve(parts[0]), command.name == "build" {
            return services.filter { $0.hasPrefix(parts[1].lowercased()) }.map { "build \($0)" }
        }
        let word = (parts.first ?? "").lowercased()
        return commands.filter { $0.name.hasPrefix(word) || $0.aliases.contains(word) }.map(\.name)
    }
}
