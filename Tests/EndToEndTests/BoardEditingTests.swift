import Foundation
import Testing

/// Deleting a card: asked first, and the answer sticks across restarts.
@Suite(.timeLimit(.minutes(1))) struct BoardEditingTests {
    @Test func deleteAsksFirstAndNoKeepsTheCard() async throws {
        let app = try TmuxSession(Sandbox())
        defer { app.close() }
        try await app.waitFor("1 Board (12)", "SHP-1 ")

        try app.press("d")
        try await app.waitFor("Delete SHP-1?", "[ Delete ]", "[ Cancel ]")
        try app.press("n")
        try await app.waitForGone("Delete SHP-1?")
        let screen = try await app.waitFor("1 Board (12)", "SHP-1 ", "Add retry budget")
        #expect(!screen.contains("[ Delete ]"))
    }

    @Test func deletedCardStaysDeletedAfterRestart() async throws {
        let sandbox = try Sandbox()
        do {
            let app = try TmuxSession(sandbox)
            defer { app.close() }
            try await app.waitFor("1 Board (12)", "SHP-1 ")

            try app.press("d")
            try await app.waitFor("Delete SHP-1?")
            try app.press("y")
            try await app.waitFor("1 Board (11)")
            try await app.waitForGone("SHP-1 ", "Add retry budget", "Delete SHP-1?")

            try app.press("q")
            try await app.waitFor("EXITED:0")
        }

        let again = try TmuxSession(sandbox)
        defer { again.close() }
        let screen = try await again.waitFor("1 Board (11)", "SHP-8 ", "SHP-2 ")
        #expect(!screen.contains("SHP-1 "))
        #expect(!screen.contains("Add retry budget"))
    }
}
