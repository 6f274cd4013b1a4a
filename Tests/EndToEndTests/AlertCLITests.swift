import Foundation
import Testing

/// `shipdeck alert …` against a running `shipdeck serve`, without a terminal: an operator raises an
/// alert from a script, sees it deduplicated, acknowledges it by key, notes and snoozes it, reads its
/// timeline and resolves it.
@Suite(.timeLimit(.minutes(2))) struct AlertCLITests {
    @Test func anAlertRaisedOnTheCommandLineIsWorkedToResolved() async throws {
        let sandbox = try Sandbox()
        try sandbox.createDemo()
        let core = try await HeadlessCore(sandbox)
        defer { core.stop() }
        func alert(_ arguments: String...) throws -> ShipdeckBinary.Result {
            try ShipdeckBinary.run(["alert"] + arguments + ["--workspace", sandbox.demo.path], in: sandbox.work, environment: sandbox.environment)
        }

        let first = try alert("trigger", "orders p99 above 2 s", "--severity", "critical", "--service", "orders", "--env", "prod",
                              "--dedup-key", "orders/p99")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("triggered: orders p99 above 2 s (dedup key orders/p99)"), "\(first.stdout)")
        let number = try #require(first.stdout.split(separator: " ").first.map(String.init), "\(first.stdout)")
        #expect(number.hasPrefix("#"))
        let again = try alert("trigger", "orders p99 still above 2 s", "--dedup-key", "orders/p99")
        #expect(again.stdout.contains("\(number) triggered") && again.stdout.contains("trigger 2"), "the same key joins the incident: \(again.stdout)")

        let list = try alert("list")
        let row = list.stdout.components(separatedBy: "\n").first { $0.hasPrefix(number + " ") } ?? ""
        #expect(row.contains("triggered") && row.contains("critical") && row.contains("high") && row.contains("orders/prod")
                && row.contains("orders p99 above 2 s"), "alert list: \(list.stdout)")

        let ack = try alert("ack", "--dedup-key", "orders/p99")
        #expect(ack.status == 0 && ack.stdout.contains("\(number) acknowledged"), "\(ack.stdout) \(ack.stderr)")
        let note = try alert("note", number, "the slow query is back")
        #expect(note.status == 0, "\(note.stderr)")
        let snooze = try alert("snooze", number, "--for", "30m")
        #expect(snooze.stdout.contains("snoozed for 30m"), "\(snooze.stdout) \(snooze.stderr)")

        let json = try alert("list", "--json")
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], "\(json.stdout)")
        let incident = try #require(listed.first { $0["dedupKey"] as? String == "orders/p99" })
        #expect(incident["state"] as? String == "acknowledged" && incident["triggerCount"] as? Int == 2 && incident["acknowledgedBy"] as? String == "fay")
        #expect(incident["snoozedUntil"] != nil)

        let show = try alert("show", number)
        for expected in ["state     acknowledged, critical, high urgency, 2 triggers", "key       orders/p99", "acked     by fay",
                         "retrigger", "orders p99 still above 2 s (trigger 2)", "the slow query is back", "snoozed until"] {
            #expect(show.stdout.contains(expected), "alert show lacks '\(expected)':\n\(show.stdout)")
        }

        let resolve = try alert("resolve", number)
        #expect(resolve.stdout.contains("\(number) resolved"), "\(resolve.stdout) \(resolve.stderr)")
        #expect(try alert("list").stdout.contains("no open incidents"))
        #expect(try alert("show", number).stdout.contains("state     resolved"))

        let unknown = try alert("ack", "99")
        #expect(unknown.status != 0 && unknown.stderr.contains("there is no open incident #99"), "\(unknown.stderr)")
        let noKey = try alert("resolve", "--dedup-key", "orders/p99")
        #expect(noKey.status != 0 && noKey.stderr.contains("no open incident has the dedup key 'orders/p99'"), "\(noKey.stderr)")
        let neither = try alert("ack")
        #expect(neither.status != 0 && neither.stderr.contains("give the incident number or --dedup-key"), "\(neither.stderr)")
    }
}

/// `shipdeck serve --workspace DEMO --port 0` in the background, output to a file; `stop()` sends
/// SIGTERM (SIGKILL after 10 s) and reaps it.
private final class HeadlessCore {
    let pid: pid_t
    let log: URL

    init(_ sandbox: Sandbox) async throws {
        log = sandbox.root.appendingPathComponent("serve.log")
        pid = try Command.spawn([ShipdeckBinary.url.path, "serve", "--workspace", sandbox.demo.path, "--port", "0"],
                                environment: sandbox.environment, stdout: log, stderr: log)
        // Ready once core.json names the API.
        let info = sandbox.demo.appendingPathComponent(".shipdeck/core.json")
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let text = try? String(contentsOf: info, encoding: .utf8), text.contains("\"api\"") { return }
            if kill(pid, 0) != 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        stop()
        throw E2EFailure("shipdeck serve did not open its API: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
    }

    func stop() {
        guard kill(pid, 0) == 0 else { return }
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(100_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }
}
