import Foundation
import Testing

/// Done means running in prod: a card made by keys on the board, a developer's commit that mentions
/// it, and the demo's delivery carrying it to In Test (deployed to test) and, once prod is released
/// and stays healthy, to Done — on the screen, without anyone moving it.
@Suite(.timeLimit(.minutes(4))) struct BoardDeliveryEndToEndTests {
    @Test func aCardMadeByKeysTravelsToDoneAsTheDemoDeploysItsCommit() async throws {
        let sandbox = try Sandbox()
        try sandbox.createFastDemo { $0.replacingOccurrences(of: "done_after: 30", with: "done_after: 2") }
        let app = try TmuxSession(sandbox, width: 140, height: 40, arguments: ["--workspace", sandbox.demo.path])
        defer { app.close() }
        try await app.waitFor("1 Board (12)", "SHP-1 ")

        // A new card by keys: the form, a title with a typo fixed by cursor keys, a service.
        try app.press("n")
        try await app.waitFor("New card in Backlog", "Title *")
        try app.type("Cache the price lst")
        try app.press("Left", "Left")
        try app.type("i")
        try app.press("Tab")
        try app.type("Prices are read on every request")
        try app.press("Tab")
        try app.type("orders")
        try app.press("Enter")
        try await app.waitFor("1 Board (13)", "SHP-13 ")

        // Its detail, kept open: the card is found by the filter and stays selected by id.
        try app.type("/SHP-13")
        try app.press("Enter")
        try await app.waitForGone("SHP-1 ")
        try app.press("Enter")
        try await app.waitFor("SHP-13 — Cache the price list", "Column:    Backlog", "no commit mentions SHP-13 yet")

        // A developer commits a change that mentions it; the pipeline deploys it to test.
        try sandbox.commit(to: "orders", line: "# cache the price list", message: "SHP-13: cache the price list")
        let inTest = try await sandbox.explainingDelivery(of: "orders") {
            try await app.waitFor("Column:    In Test", "Delivery:  runs in test", timeout: 120)
        }
        #expect(inTest.contains("SHP-13: cache the price list"), "the commit is not listed:\n\(inTest)")
        #expect(inTest.contains("test: yes  prod: not yet"), "where it runs:\n\(inTest)")

        // Prod waits at the block until someone with the prod role releases it.
        let unblocked = try ShipdeckBinary.run(["unblock", "orders#1", "--workspace", sandbox.demo.path], in: sandbox.demo,
                                               environment: sandbox.environment.merging(["SHIPDECK_USER": "ben"]) { $1 })
        #expect(unblocked.status == 0, "stderr: \(unblocked.stderr)")
        let done = try await sandbox.explainingDelivery(of: "orders") {
            try await app.waitFor("Column:    Done", "Delivery:  runs in test, prod", timeout: 120)
        }
        #expect(done.contains("test: yes  prod: yes"), "where it runs:\n\(done)")

        // The CLI agrees, and the history says the board moved it.
        let listed = try ShipdeckBinary.run(["card", "list", "--column", "Done", "--workspace", sandbox.demo.path], in: sandbox.demo,
                                            environment: sandbox.environment)
        #expect(listed.stdout.contains("SHP-13   Cache the price list"), "card list: \(listed.stdout) \(listed.stderr)")
        #expect(listed.stdout.contains("runs in test, prod"), "card list: \(listed.stdout)")
        let shown = try ShipdeckBinary.run(["card", "show", "SHP-13", "--workspace", sandbox.demo.path], in: sandbox.demo, environment: sandbox.environment)
        #expect(shown.stdout.contains("fay    created in Backlog"), "card show: \(shown.stdout) \(shown.stderr)")
        #expect(shown.stdout.contains("board  moved from Backlog to In Test: deployed to test in orders:1"), "card show: \(shown.stdout)")
        #expect(shown.stdout.contains("board  moved from In Test to Done: orders:1 ran healthy in prod for 2s"), "card show: \(shown.stdout)")
    }
}
