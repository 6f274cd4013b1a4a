import Foundation
import Testing
@testable import TerminalUI

@Suite struct ThemeTests {
    @Test func parsesPaletteRolesAndAttributes() throws {
        let theme = try ThemeParser.parse("""
            # comment
            name = sample
            [palette]
            purple = #bd93f9   # inline comment
            [roles]
            titleFocused = purple bold
            selection = white on 25 reverse
            """, file: "sample.theme")
        #expect(theme.name == "sample")
        #expect(theme[.titleFocused] == Style(foreground: .rgb(0xbd, 0x93, 0xf9), attributes: .bold))
        #expect(theme[.selection] == Style(foreground: .ansi(7), background: .indexed(25), attributes: .reverse))
        #expect(theme[.ok] == Theme.fallback[.ok], "roles left out keep the default")
    }

    @Test func badLineNamesFileAndLine() {
        #expect(throws: ThemeParser.Failure(file: "bad.theme", line: 3, message: "'purpel' is not a colour, palette name or attribute (bold, underline, reverse, dim)")) {
            try ThemeParser.parse("[roles]\ntext = red\ntitle = purpel bold\n", file: "bad.theme")
        }
        #expect(throws: ThemeParser.Failure.self) { try ThemeParser.parse("[roles]\ntitel = red\n", file: "x") }
        #expect(throws: ThemeParser.Failure.self) { try ThemeParser.parse("[colours]\n", file: "x") }
    }

    @Test func colourModesReduceColours() {
        #expect(ColorMode.indexed256.reduce(.rgb(255, 0, 0)) == .indexed(196))
        #expect(ColorMode.ansi8.reduce(.rgb(250, 10, 10)) == .ansi(1))
        #expect(ColorMode.ansi8.reduce(.ansi(9)) == .ansi(1))
        #expect(ColorMode.ansi16.reduce(.indexed(196)) == .ansi(9))
        #expect(ColorMode.monochrome.reduce(.indexed(196)) == .default)
    }

    @Test func monochromeKeepsSelectionVisibleWithReverse() {
        let theme = Theme.fallback.reduced(to: .monochrome)
        #expect(theme[.selection].attributes.contains(.reverse))
        #expect(theme[.selection].foreground == .default)
    }

    @Test func asciiGlyphsUnlessLocaleIsUTF8() {
        #expect(Glyphs.forEnvironment(["LANG": "en_US.UTF-8"]) == .unicode)
        #expect(Glyphs.forEnvironment(["LANG": "C"]) == .ascii)
        #expect(Glyphs.forEnvironment(["LC_ALL": "C", "LANG": "en_US.UTF-8"]) == .ascii)
        #expect(Glyphs.forEnvironment([:]) == .ascii)
    }

    @Test func asciiFallbackKeepsColumnsAndLooks() {
        #expect(ASCIIFallback.map("—") == "-")
        #expect(ASCIIFallback.map("│") == "|")
        #expect(ASCIIFallback.map("é") == "?")
        #expect(ASCIIFallback.map("日") == "??", "a wide character keeps its two columns")
        #expect(ASCIIFallback.map("a") == "a")
    }

    @Test func shippedThemesParse() throws {
        let folder = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        for name in ["default", "light", "high-contrast", "monochrome", "dracula", "solarized-dark"] {
            let path = "/\(folder)/themes/\(name).theme"
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(throws: Never.self) { try ThemeParser.parse(text, file: path) }
        }
    }
}

@Suite struct ANSITextTests {
    @Test func sgrCodesBecomeStylesAndOtherEscapesAreDropped() {
        let spans = ANSIText.spans("a\u{1B}[1;31mred\u{1B}[0m\u{1B}[2Jb", base: .plain)
        #expect(spans == [Span("a"), Span("red", Style(foreground: .ansi(1), attributes: .bold)), Span("b")])
        #expect(ANSIText.plain("\u{1B}[38;5;196mx\u{1B}[m y") == "x y")
    }
}
