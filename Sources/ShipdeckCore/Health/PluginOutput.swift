import Foundation

/// A Nagios plugin's standard output split the way Nagios Core splits it.
///
/// ```
/// TEXT OUTPUT | OPTIONAL PERFDATA
/// LONG TEXT LINE 1
/// LONG TEXT LINE 2 | PERFDATA LINE 2
/// PERFDATA LINE 3
/// ```
/// The first line is the output (its text after `|` is perfdata); later lines are long output
/// until one holds a `|`: the text after it, and every line after that one, is perfdata.
public struct PluginOutput: Sendable, Equatable {
    /// The first line before `|`, trimmed.
    public var output: String
    /// Later lines before the perfdata, `\n`-joined, trailing blank lines removed.
    public var longOutput: String
    /// All perfdata text, space-joined and trimmed.
    public var perfdataText: String
    /// `perfdataText` parsed; malformed items are left out.
    public var perfdata: [PerfDatum]

    /// Splits a plugin's output.
    /// - Parameter text: everything the plugin wrote to stdout (`\n` or `\r\n` line ends).
    public init(parsing text: String) {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        var perf: [String] = []
        var long: [String] = []
        let (first, firstPerf) = Self.splitAtBar(lines.first ?? "")
        if let firstPerf { perf.append(firstPerf) }
        var inPerfdata = false
        for line in lines.dropFirst() {
            if inPerfdata {
                perf.append(line)
            } else if case let (text, more?) = Self.splitAtBar(line) {
                long.append(text)
                perf.append(more)
                inPerfdata = true
            } else {
                long.append(line)
            }
        }
        while let last = long.last, last.trimmingCharacters(in: .whitespaces).isEmpty { long.removeLast() }
        output = first.trimmingCharacters(in: .whitespaces)
        longOutput = long.joined(separator: "\n")
        perfdataText = perf.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(separator: " ")
        perfdata = PerfDatum.parseList(perfdataText)
    }

    /// Splits a line at its first `|`.
    private static func splitAtBar(_ line: String) -> (String, String?) {
        guard let bar = line.firstIndex(of: "|") else { return (line, nil) }
        return (String(line[..<bar]), String(line[line.index(after: bar)...]))
    }
}
