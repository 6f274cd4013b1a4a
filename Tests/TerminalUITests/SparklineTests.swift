import Testing
@testable import TerminalUI

@Suite struct SparklineTests {
    @Test func scalesFromZeroToTheHighestValue() {
        #expect(Sparkline([0, 1, 2, 3, 4, 5, 6, 7]).text(width: 20, glyphs: .unicode) == "▁▂▃▄▅▆▇█")
        #expect(Sparkline([0, 7]).text(width: 20, glyphs: .ascii) == "_@")
    }

    @Test func showsOnlyTheNewestValuesThatFit() {
        #expect(Sparkline([7, 7, 0, 7]).text(width: 2, glyphs: .unicode) == "▁█")
    }

    @Test func aSteadySeriesIsFlatAndNothingIsEmpty() {
        #expect(Sparkline([3, 3, 3]).text(width: 10, glyphs: .unicode) == "███")
        #expect(Sparkline([0, 0]).text(width: 10, glyphs: .unicode) == "▁▁")
        #expect(Sparkline([]).text(width: 10, glyphs: .unicode) == "")
    }

    @Test func explicitBoundsClampOutliers() {
        #expect(Sparkline([-5, 5, 50], minimum: 0, maximum: 10).text(width: 10, glyphs: .unicode) == "▁▅█")
    }

    @Test func rendersRightAlignedInItsArea() {
        var screen = Screen(size: Size(width: 6, height: 1))
        let drawn = Sparkline([0, 7]).render(into: &screen, area: screen.bounds, style: .plain, glyphs: .ascii)
        #expect(drawn == 2)
        #expect(screen == Screen(lines: ["    _@"]))
    }
}
