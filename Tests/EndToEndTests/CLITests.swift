import Foundation
import Testing

/// The command line around the dashboard: first run, config errors, redirected output.
@Suite(.timeLimit(.minutes(1))) struct CLITests {
    @Test func plainShipdeckInAnEmptyFolderSaysHowToStart() throws {
        let sandbox = try Sandbox()

        let result = try ShipdeckBinary.run([], in: sandbox.work, environment: sandbox.environment)

        #expect(result.status != 0)
        #expect(result.stderr.contains("No shipdeck.yml"))
        #expect(result.stderr.contains("shipdeck init"))
        #expect(result.stderr.contains("shipdeck demo"))
        #expect(!result.stderr.contains("[Y/n]"), "asked a question without a terminal:\n\(result.stderr)")
    }

    @Test func plainShipdeckAtATerminalOffersTheDemoAndNoDeclines() async throws {
        let app = try TmuxSession(Sandbox(), width: 100, height: 20, arguments: [])
        defer { app.close() }

        try await app.waitFor("shipdeck init", "shipdeck demo", "Open the demo now? [Y/n]")
        try app.type("n")
        try app.press("Enter")
        let screen = try await app.waitFor("EXITED:")
        #expect(!screen.contains("EXITED:0"))
        #expect(!screen.contains("1 Board"))
    }

    @Test func validateReportsWhereAndSuggestsTheKey() throws {
        let sandbox = try Sandbox()
        let workspace = sandbox.work
        try """
            name: Broken
            services:
              api:
                repo: services/api
                run: python3 app.py
                port: 80
                prot: 8080

            """.write(to: workspace.appendingPathComponent("shipdeck.yml"), atomically: true, encoding: .utf8)

        let result = try ShipdeckBinary.run(["validate", "--workspace", workspace.path], in: workspace, environment: sandbox.environment)

        #expect(result.status != 0)
        let lines = result.stderr.components(separatedBy: "\n")
        let unknownKey = lines.first { $0.contains("prot") }
        #expect(unknownKey?.contains("shipdeck.yml:7:5") == true, "no shipdeck.yml:7:5 for 'prot':\n\(result.stderr)")
        #expect(unknownKey?.contains("did you mean 'port'") == true, "no suggestion for 'prot':\n\(result.stderr)")
        let badPort = lines.first { $0.contains("shipdeck.yml:6:") }
        #expect(badPort != nil, "no error at line 6 for port 80:\n\(result.stderr)")
        #expect(badPort?.contains("1024") == true, "the port error does not say the valid range:\n\(result.stderr)")
    }

    @Test func validateAcceptsTheDemo() throws {
        let sandbox = try Sandbox()
        try sandbox.createDemo()

        let result = try ShipdeckBinary.run(["validate", "--workspace", sandbox.demo.path], in: sandbox.work, environment: sandbox.environment)

        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("OK"))
    }

    @Test func redirectedStdoutStillDrawsOnTheTerminal() async throws {
        let sandbox = try Sandbox()
        let output = sandbox.root.appendingPathComponent("out.txt")
        let app = try TmuxSession(sandbox, stdoutFile: output)
        defer { app.close() }

        try await app.waitUntil("the overview fits 120x40") { ScreenChecks.overviewFits($0, width: 120, height: 40) }
        try app.press("q")
        try await app.waitFor("EXITED:0")

        let written = try String(contentsOf: output, encoding: .utf8)
        #expect(!written.contains("\u{1B}"), "escape codes went to stdout: \(written.debugDescription.prefix(200))")
        #expect(written.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "stdout got: \(written.prefix(200))")
    }
}
