import Testing
@testable import TerminalUI

@Suite struct WidgetTests {
    @Test func panelDrawsBorderTitleAndReturnsInnerRect() {
        var screen = Screen(size: Size(width: 12, height: 4))
        let inner = Panel(title: "Fleet", focused: false).render(into: &screen, area: screen.bounds, theme: .fallback, glyphs: .ascii)
        #expect(inner == Rect(x: 1, y: 1, width: 10, height: 2))
        #expect(screen == Screen(lines: ["+ Fleet ---+", "|          |", "|          |", "+----------+"]))
    }

    @Test func focusedPanelUsesFocusedBorderStyle() {
        var screen = Screen(size: Size(width: 12, height: 3))
        Panel(title: "A", focused: true).render(into: &screen, area: screen.bounds, theme: .fallback, glyphs: .unicode)
        #expect(screen[0, 0].style == Theme.fallback[.borderFocused])
        #expect(screen[0, 0].text == "┌")
    }

    @Test func listHighlightsSelectedRowAcrossTheWidth() {
        var screen = Screen(size: Size(width: 10, height: 3))
        let list = ListView(rows: [[Span("one")], [Span("two")], [Span("three")]], selected: 1, offset: 0, focused: true)
        list.render(into: &screen, area: screen.bounds, theme: .fallback)
        #expect(screen.lines == ["one", "two", "three"])
        #expect(screen[9, 1].style == Theme.fallback[.selection])
        #expect(screen[9, 0].style != Theme.fallback[.selection])
    }

    @Test func listShowsEmptyText() {
        var screen = Screen(size: Size(width: 20, height: 2))
        ListView(rows: [], selected: nil, offset: 0, focused: true, emptyText: "No open alerts").render(into: &screen, area: screen.bounds, theme: .fallback)
        #expect(screen.line(0) == " No open alerts")
    }

    @Test func dialogCentresButtonsAndMarksTheSelectedOne() {
        var screen = Screen(size: Size(width: 40, height: 10))
        Dialog(title: "Delete SHP-1?", lines: ["Really?"], buttons: ["Delete", "Cancel"], selectedButton: 1)
            .render(into: &screen, theme: .fallback, glyphs: .ascii)
        #expect(screen.contains("Delete SHP-1?"))
        #expect(screen.contains("[ Delete ]  [ Cancel ]"))
        let row = screen.lines.firstIndex { $0.contains("[ Cancel ]") }!
        let x = Array(screen.line(row)).firstIndex(of: "C")!
        #expect(screen[x, row].style == Theme.fallback[.selection])
    }

    @Test func textFieldEditsLikeAShell() {
        var field = TextField("deploy")
        field.handle(.left)
        field.handle(.left)
        field.handle(.character("X"))
        #expect(field.text == "deplXoy")
        field.handle(.backspace)
        field.handle(.home)
        field.handle(.delete)
        #expect(field.text == "eploy")
        field.handle(.end)
        field.insert(" 日本\n")
        #expect(field.text == "eploy 日本 ")
        field.handle(.ctrl("w"))
        #expect(field.text == "eploy ")
        field.handle(.ctrl("u"))
        #expect(field.text == "")
    }
}
