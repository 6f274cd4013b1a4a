import Foundation
import Testing

/// Resizing the terminal redraws the whole frame at the new size.
@Suite(.timeLimit(.minutes(1))) struct ResizeTests {
    @Test func resizingRedrawsAtTheNewSize() async throws {
        let app = try TmuxSession(Sandbox(), width: 120, height: 40)
        defer { app.close() }
        try await app.waitUntil("the overview fits 120x40") { ScreenChecks.overviewFits($0, width: 120, height: 40) }

        for (width, height) in [(80, 24), (200, 60), (120, 40)] {
            try app.resize(width: width, height: height)
            try await app.waitUntil("the overview fits \(width)x\(height)") {
                ScreenChecks.overviewFits($0, width: width, height: height)
            }
        }
    }

    @Test func resizingWhileFullScreenKeepsThePane() async throws {
        let app = try TmuxSession(Sandbox(), width: 120, height: 40)
        defer { app.close() }
        try await app.waitFor("1 Board")
        try app.press("2")
        try await app.waitForGone("1 Board")

        try app.resize(width: 80, height: 24)
        let lines = try await app.waitUntil("Pipelines fills 80x24") { screen in
            let lines = screen.components(separatedBy: "\n")
            return lines.count >= 24 && lines[1].hasPrefix("┌ 2 Pipelines") && lines[1].count == 80
                && lines[22].hasPrefix("└") && lines[22].hasSuffix("┘") && lines[22].count == 80
        }.components(separatedBy: "\n")
        #expect(!lines.joined().contains("1 Board"))
    }
}
