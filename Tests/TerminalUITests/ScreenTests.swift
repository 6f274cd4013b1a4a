import Testing
@testable import TerminalUI

@Suite struct ScreenTests {
    @Test func putClipsToWidthAndScreen() {
        var screen = Screen(size: Size(width: 10, height: 2))
        let written = screen.put("hello world", x: 2, y: 0, maxWidth: 5)
        #expect(written == 5)
        #expect(screen == Screen(lines: ["  hello", ""], width: 10))
    }

    @Test func wideCharacterTakesTwoCellsAndIsNotSplit() {
        var screen = Screen(size: Size(width: 5, height: 1))
        screen.put("a日本", x: 0, y: 0)
        #expect(screen.line(0) == "a日本")
        #expect(screen[2, 0].text == "")
        var narrow = Screen(size: Size(width: 4, height: 1))
        narrow.put("a日本", x: 0, y: 0)
        #expect(narrow.line(0) == "a日", "a wide character that does not fit whole is left out")
    }

    @Test func changesListOnlyDifferingCells() {
        let before = Screen(lines: ["abcdef", "xyz"], width: 6)
        var after = before
        after.put("Z", x: 2, y: 1)
        let runs = after.changes(since: before)
        #expect(runs == [CellRun(x: 2, y: 1, cells: [Cell("Z")])])
    }

    @Test func changesWithoutPreviousFrameCoverEveryRow() {
        let screen = Screen(lines: ["ab", "cd"])
        #expect(screen.changes(since: nil).count == 2)
        #expect(screen.changes(since: Screen(lines: ["abc"])).map(\.y) == [0, 1], "a size change redraws everything")
    }

    @Test func styleChangeIsAChange() {
        let before = Screen(lines: ["ab"])
        var after = before
        after.setStyle(Style(attributes: .bold), in: Rect(x: 1, y: 0, width: 1, height: 1))
        #expect(after == before, "== compares text only")
        #expect(after.changes(since: before).first?.x == 1)
    }

    @Test func changedContinuationCellRedrawsItsWideHead() {
        var before = Screen(size: Size(width: 4, height: 1))
        before.put("日x", x: 0, y: 0)
        var after = before
        after[1, 0] = Cell("", style: Style(attributes: .bold))
        let runs = after.changes(since: before)
        #expect(runs.first?.x == 0)
    }

    @Test func terminalWritesNothingForAnEqualFrame() {
        let backend = MemoryBackend(size: Size(width: 20, height: 3))
        let terminal = Terminal(backend: backend)
        var screen = Screen(size: backend.size)
        screen.put("clock 12:00:00", x: 0, y: 0)
        terminal.render(screen)
        #expect(terminal.lastWrittenCells == 60)
        terminal.render(screen)
        #expect(terminal.lastWrittenCells == 0)
        #expect(backend.flushCount == 1)
        screen.put("1", x: 13, y: 0)
        terminal.render(screen)
        #expect(terminal.lastWrittenCells == 1)
        #expect(backend.screen.line(0) == "clock 12:00:01")
    }

    @Test func truncatedAddsEllipsisWithinWidth() {
        #expect("deployment".truncated(to: 6) == "deplo…")
        #expect("ok".truncated(to: 6) == "ok")
        #expect("deployment".truncated(to: 6, ellipsis: "...") == "dep...")
        #expect("ab".padded(to: 4) == "ab  ")
    }
}
