import Foundation
import Testing

/// Plainer terminals still get the whole dashboard: no colours when asked, ASCII boxes when the
/// locale is not UTF-8, the Linux console's terminal type.
@Suite(.timeLimit(.minutes(1))) struct FallbackTests {
    struct Terminal: CustomTestStringConvertible, Sendable {
        var name: String
        var environment: [String: String]
        var ascii: Bool
        var testDescription: String { name }
    }

    static let terminals = [
        Terminal(name: "NO_COLOR=1", environment: ["NO_COLOR": "1"], ascii: false),
        Terminal(name: "TERM=linux", environment: ["TERM": "linux"], ascii: false),
        Terminal(name: "LANG=C", environment: ["LANG": "C"], ascii: true),
        Terminal(name: "TERM=linux LANG=C NO_COLOR=1", environment: ["TERM": "linux", "LANG": "C", "NO_COLOR": "1"], ascii: true),
    ]

    @Test("All four panes on a plainer terminal", arguments: terminals)
    func plainTerminalStillShowsAllPanes(terminal: Terminal) async throws {
        let app = try TmuxSession(Sandbox(), width: 120, height: 40, environment: terminal.environment)
        defer { app.close() }

        let boxes = terminal.ascii ? "ASCII" : "Unicode"
        let screen = try await app.waitUntil("all four panes and the status bar are drawn") {
            ScreenChecks.showsFourPanes($0) && $0.hasPrefix(" Shipdeck ") && $0.contains("env test")
        }
        // The frame fits the window, also after the clock ticked (each tick sends only the changed
        // cells, so a cursor that drifted shows up then).
        func frameFitsAcrossATick() async throws {
            let fitting = try await app.waitUntil("the overview fits 120x40 with \(boxes) boxes", timeout: 4) {
                ScreenChecks.overviewFits($0, width: 120, height: 40, unicode: !terminal.ascii)
            }
            let first = ScreenChecks.clock(fitting)
            try await app.waitUntil("the clock moved on from \(first ?? "?") and the overview still fits", timeout: 4) {
                ScreenChecks.clock($0) != first && ScreenChecks.overviewFits($0, width: 120, height: 40, unicode: !terminal.ascii)
            }
        }
        // In the C locale non-ASCII text ("—", "…") must reach the terminal as ASCII, or ncurses loses
        // its place on the row and each clock tick lands further right.
        try await frameFitsAcrossATick()
        for title in ScreenChecks.paneTitles { #expect(screen.contains(title)) }
        if terminal.ascii {
            let lines = screen.components(separatedBy: "\n")
            #expect(lines[1].hasPrefix("+ 1 Board"))
            #expect(lines[1].contains("---"))
            for glyph in ["┌", "─", "│", "└", "…"] {
                #expect(!screen.contains(glyph), "'\(glyph)' drawn in the C locale:\n\(screen)")
            }
        }
    }

    /// With NO_COLOR the only styles are attributes (bold, reverse, dim, underline): no SGR
    /// foreground or background colour anywhere on the screen.
    @Test func noColorEmitsNoColourCodes() async throws {
        let app = try TmuxSession(Sandbox(), width: 120, height: 40, environment: ["NO_COLOR": "1"])
        defer { app.close() }
        try await app.waitUntil("the overview is drawn") { ScreenChecks.showsFourPanes($0) && ScreenChecks.hasStatusBar($0) }
        // Some screens with a selection and a dialog too.
        var colourCodes: Set<String> = []
        var attributes: Set<String> = []
        func collect() throws {
            for code in sgrParameters(try app.styledScreen()) {
                if isColour(code) { colourCodes.insert(code.joined(separator: ";")) } else { attributes.formUnion(code) }
            }
        }
        try collect()
        try app.press("d")
        try await app.waitFor("Delete SHP-1?")
        try collect()
        try app.press("n", "?")
        try await app.waitFor("Help")
        try collect()

        #expect(colourCodes.isEmpty, "colour codes with NO_COLOR=1: \(colourCodes.sorted())")
        #expect(attributes.contains("7") || attributes.contains("1"), "no reverse or bold at all: \(attributes.sorted())")
    }

    /// The parameter lists of every `ESC [ … m` in `text`.
    func sgrParameters(_ text: String) -> [[String]] {
        let regex = try! NSRegularExpression(pattern: "\u{1B}\\[([0-9;:]*)m")
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).map { match in
            let parameters = String(text[Range(match.range(at: 1), in: text)!])
            return parameters.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        }
    }

    /// 30–37/40–47/90–97/100–107 set colours, 38/48 start 256-colour or RGB colours. 39/49 (the
    /// terminal's default colour) are resets, not colours.
    func isColour(_ parameters: [String]) -> Bool {
        parameters.contains { parameter in
            guard let value = Int(parameter.split(separator: ":").first ?? "") else { return false }
            return (30...38).contains(value) || (40...48).contains(value) || (90...97).contains(value) || (100...107).contains(value)
        }
    }
}
