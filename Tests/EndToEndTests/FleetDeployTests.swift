import Foundation
import Testing

/// The demo delivers for real: a commit to a service runs its pipeline, whose deploy step starts the
/// service in test behind its endpoint — the Fleet pane shows the instance healthy and the endpoint
/// answers with the new image — while prod waits at the block.
@Suite(.timeLimit(.minutes(3))) struct FleetDeployEndToEndTests {
    @Test func commitDeploysToTestAndHoldsProdAtTheBlock() async throws {
        let sandbox = try Sandbox()
        try sandbox.createFastDemo()
        let app = try TmuxSession(sandbox, width: 140, height: 40, arguments: ["--workspace", sandbox.demo.path])
        defer { app.close() }
        try await app.waitUntil("the status bar says 'own core'") { $0.components(separatedBy: "\n").first?.contains("own core") == true }

        // A developer pushes to orders; the pipeline runs and stops at the release block after deploying to test.
        try sandbox.commit(to: "orders", line: "# SHP-3 idempotency keys", message: "SHP-3 idempotency keys")
        try app.press("3")
        try await app.waitFor("3 Fleet", "Service", "Req/s", "Image")
        // orders in test: 1/1 up, running orders:1 — deployed by the pipeline's deploy step.
        let row = try await app.waitUntilDeployedToTest("orders")
        // prod is held at the block: nothing deployed there.
        let prod = row.components(separatedBy: "\n").first { $0.contains("orders") && $0.contains("prod") }
        #expect(prod?.contains("not deployed") == true, "orders/prod should wait at the block:\n\(row)")

        // The endpoint answers from the new image.
        let body = try Command.run("/usr/bin/env", ["python3", "-c",
            "import urllib.request,sys; print(urllib.request.urlopen('http://127.0.0.1:\(sandbox.portBase)/', timeout=5).read().decode())"],
            environment: sandbox.environment)
        #expect(body.stdout.contains("\"version\": \"orders:1\""), "endpoint answered: \(body.stdout) \(body.stderr)")

        // The service's detail lists the healthy instance and the deploy; Enter shows the instance's output.
        try app.press("Enter")
        try await app.waitFor("orders in test", "orders-test-1-1", "healthy", "Deploys", "succeeded")
        try app.press("Enter")
        try await app.waitFor("orders-test-1-1 · output")
        try await app.waitUntil("the instance's output shows it listening") { $0.contains("orders listening on 127.0.0.1:") }
        try app.press("Escape")
        try await app.waitFor("orders in test")

        // The CLI lists the same history.
        let deploys = try ShipdeckBinary.run(["deploys", "orders", "--env", "test", "--workspace", sandbox.demo.path], in: sandbox.demo,
                                             environment: sandbox.environment)
        #expect(deploys.status == 0, "stderr: \(deploys.stderr)")
        #expect(deploys.stdout.contains("orders:1") && deploys.stdout.contains("succeeded") && deploys.stdout.contains("pipeline"),
                "deploys printed: \(deploys.stdout)")
    }
}
