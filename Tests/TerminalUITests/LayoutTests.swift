import Testing
@testable import TerminalUI

@Suite struct LayoutTests {
    @Test func lengthFirstThenFillShareTheRest() {
        let parts = Layout.split(Rect(x: 0, y: 0, width: 80, height: 24), .vertical, [.length(1), .fill(1), .length(1)])
        #expect(parts.map(\.height) == [1, 22, 1])
        #expect(parts.map(\.y) == [0, 1, 23])
    }

    @Test func fillWeightsSplitProportionallyAndCoverEverything() {
        let parts = Layout.split(Rect(x: 0, y: 0, width: 81, height: 1), .horizontal, [.fill(1), .fill(2)])
        #expect(parts.map(\.width) == [27, 54])
        #expect(parts[1].x == 27)
    }

    @Test func percentageAndSpacing() {
        let parts = Layout.split(Rect(x: 0, y: 0, width: 101, height: 1), .horizontal, [.percentage(50), .fill(1)], spacing: 1)
        #expect(parts.map(\.width) == [50, 50])
        #expect(parts[1].x == 51)
    }

    @Test func tooLittleSpaceShrinksTheLastPartsFirst() {
        let parts = Layout.split(Rect(x: 0, y: 0, width: 5, height: 1), .horizontal, [.length(4), .length(4)])
        #expect(parts.map(\.width) == [4, 1])
    }

    @Test func scrollOffsetMovesTheWindowAsLittleAsPossible() {
        #expect(ListView.scrollOffset(selected: 5, offset: 0, height: 10, count: 100) == 0)
        #expect(ListView.scrollOffset(selected: 12, offset: 0, height: 10, count: 100) == 3)
        #expect(ListView.scrollOffset(selected: 2, offset: 3, height: 10, count: 100) == 2)
        #expect(ListView.scrollOffset(selected: 99, offset: 0, height: 10, count: 100) == 90)
        #expect(ListView.scrollOffset(selected: 0, offset: 50, height: 10, count: 5) == 0)
    }
}
