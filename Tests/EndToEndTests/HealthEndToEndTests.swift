import Foundation
import Testing

/// An instance's health endpoint starts failing: the service's detail shows the check SOFT (retried,
/// still serving), then HARD CRITICAL (out of the endpoint), and the CLI shows the check's history.
@Suite(.timeLimit(.minutes(3))) struct HealthEndToEndTests {
    @Test func failingHealthEndpointShowsSoftThenHardCritical() async throws {
        let sandbox = try Sandbox()
        try sandbox.createFastDemo()
        let app = try TmuxSession(sandbox, width: 200, height: 40, arguments: ["--workspace", sandbox.demo.path])
        defer { app.close() }
        try await app.waitUntil("the status bar says 'own core'") { $0.components(separatedBy: "\n").first?.contains("own core") == true }

        // A commit to orders runs its pipeline, which deploys it to test.
        try sandbox.commit(to: "orders", line: "# SHP-4 retry budget", message: "SHP-4 retry budget")
        try app.press("3")
        try await app.waitUntilDeployedToTest("orders")
        try app.press("Enter")
        try await app.waitUntil("the instance is healthy and checked") { screen in
            screen.components(separatedBy: "\n").contains { $0.contains("orders-test-1-1") && $0.contains("healthy") && $0.contains("OK") }
        }

        // Its database "goes away": /health answers 503 critical from now on.
        let post = try Command.run("/usr/bin/env", ["python3", "-c", """
            import urllib.request
            request = urllib.request.Request('http://127.0.0.1:\(sandbox.portBase)/admin/health', data=b'critical', method='POST')
            print(urllib.request.urlopen(request, timeout=5).read().decode())
            """], environment: sandbox.environment)
        #expect(post.stdout.contains("critical"), "the demo app took the switch: \(post.stdout) \(post.stderr)")

        func instanceLine(_ screen: String) -> String {
            screen.components(separatedBy: "\n").first { $0.contains("orders-test-1-1") } ?? ""
        }
        // SOFT first: retried, and still serving.
        let soft = try await app.waitUntil("the check is CRITICAL SOFT", timeout: 30) { instanceLine($0).contains("CRITICAL SOFT") }
        #expect(instanceLine(soft).contains("healthy"), "a SOFT problem keeps the instance in its endpoint: \(instanceLine(soft))")
        // Then HARD: out of the endpoint.
        let hard = try await app.waitUntil("the check is CRITICAL HARD", timeout: 30) { instanceLine($0).contains("CRITICAL HARD") }
        #expect(instanceLine(hard).contains("unhealthy"), "\(instanceLine(hard))")
        #expect(instanceLine(hard).contains("503"), "the detail says why: \(instanceLine(hard))")

        // The CLI prints the check and its history through the running core.
        let show = try ShipdeckBinary.run(["check", "show", "orders-test-1-1", "--workspace", sandbox.demo.path], in: sandbox.demo,
                                          environment: sandbox.environment)
        #expect(show.status == 0, "stderr: \(show.stderr)")
        #expect(show.stdout.contains("state     CRITICAL HARD 3/3"), "check show printed: \(show.stdout)")
        #expect(show.stdout.contains("hard") && show.stdout.contains("soft"), "the history lists the SOFT attempts and the HARD change: \(show.stdout)")
    }
}
