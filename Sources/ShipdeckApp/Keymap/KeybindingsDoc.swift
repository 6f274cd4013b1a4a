/// docs/keybindings.md, generated from the same tables that dispatch keys
/// (`shipdeck keybindings > docs/keybindings.md`; a test fails when the file is stale).
public enum KeybindingsDoc {
    public static func markdown() -> String {
        var lines = ["# Shipdeck keybindings", "", "Generated from the keymap tables by `shipdeck keybindings`; do not edit by hand.", ""]
        for (scope, bindings) in Keymap.sections {
            lines += ["## \(scope.title)", "", "| Keys | Action |", "| --- | --- |"]
            for binding in bindings {
                let keys = binding.keys.map { "`\($0.description == "|" ? "\\|" : $0.description)`" }.joined(separator: " ")
                lines.append("| \(keys) | \(binding.help)\(binding.destructive ? " (asks for confirmation)" : "") |")
            }
            lines.append("")
        }
        lines += ["## Inputs", "", "| Where | Keys |", "| --- | --- |"]
        for (name, text) in Keymap.modeKeys { lines.append("| \(name) | \(text) |") }
        lines += ["", "## Commands (`:`)", "", "| Command | Short forms | Does |", "| --- | --- | --- |"]
        for command in CommandTable.commands {
            let name = command.name + (command.argument.map { " \($0)" } ?? "")
            lines.append("| `\(name)` | \(command.aliases.map { "`\($0)`" }.joined(separator: " ")) | \(command.help) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
