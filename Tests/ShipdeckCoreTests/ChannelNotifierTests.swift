import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ShipdeckCore

/// A real webhook receiver: a Python HTTP server that appends each POST body to a file and answers
/// with the next status from its list (then 200).
struct WebhookReceiver {
    let process: Process
    let port: Int
    let file: URL

    init(folder: TemporaryFolder, statuses: [Int] = []) throws {
        file = folder.url.appendingPathComponent("posts.jsonl")
        let script = """
            import http.server, sys
            codes = [int(c) for c in sys.argv[2].split(',') if c]
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers['Content-Length']))
                    with open(sys.argv[1], 'ab') as out:
                        out.write(body + b'\\n')
                    self.send_response(codes.pop(0) if codes else 200)
                    self.send_header('Content-Length', '0')
                    self.end_headers()
                def log_message(self, *args):
                    pass
            server = http.server.HTTPServer(('127.0.0.1', 0), Handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", "-c", script, file.path, statuses.map(String.init).joined(separator: ",")]
        let output = Pipe()
        server.standardOutput = output
        try server.run()
        process = server
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bound = Int(line) else { throw ShipdeckError(.io, "the webhook receiver did not start: '\(line)'") }
        port = bound
    }

    var posts: [[String: Any]] {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// Kills and reaps the server (Foundation's `waitUntilExit` spins in this test process).
    func stop() {
        let pid = process.processIdentifier
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }
}

@Suite("Notification channels")
struct ChannelNotifierTests {
    let page = Page(incident: Incident(id: 7, dedupKey: "health/orders-prod-3-1", summary: "orders-prod-3-1 CRITICAL: HTTP CRITICAL: 503",
                                       source: "orders-prod-3-1", severity: .critical, urgency: .high, service: "orders", environment: "prod",
                                       integration: "health", createdAt: Date()),
                    person: "dara", name: "Dara Singh", email: "dara@shipdeck.invalid", reason: "triggered")

    @Test("a command channel runs with the alert as SHIPDECK_ALERT_* variables; a command that fails is a failed delivery")
    func commandChannel() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let notifier = ChannelNotifier(timeout: 5, directory: folder.url.path)
        let channel = ChannelConfig(name: "pager", command: #"printf '%s|%s|%s|%s' "$SHIPDECK_ALERT_PERSON" "$SHIPDECK_ALERT_URGENCY" "$SHIPDECK_ALERT_SERVICE" "$SHIPDECK_ALERT_SUMMARY" > page.txt"#)
        try await notifier.deliver(page, via: channel)
        let written = try String(contentsOf: folder.url.appendingPathComponent("page.txt"), encoding: .utf8)
        #expect(written == "dara|high|orders|orders-prod-3-1 CRITICAL: HTTP CRITICAL: 503", "it ran in the workspace folder with the alert's fields")
        await #expect(throws: ShipdeckError.self) {
            try await notifier.deliver(page, via: ChannelConfig(name: "broken", command: "echo 'no route to pager' >&2; exit 1"))
        }
    }

    @Test("a webhook gets a Slack-compatible or a generic JSON POST; an answer other than 2xx is a failed delivery")
    func webhookChannel() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let receiver = try WebhookReceiver(folder: folder, statuses: [200, 200, 503])
        defer { receiver.stop() }
        let notifier = ChannelNotifier(timeout: 5)
        let url = "http://127.0.0.1:\(receiver.port)/hook"
        try await notifier.deliver(page, via: ChannelConfig(name: "slack", webhook: url, format: .slack))
        try await notifier.deliver(page, via: ChannelConfig(name: "json", webhook: url, format: .json))
        do {
            try await notifier.deliver(page, via: ChannelConfig(name: "json", webhook: url, format: .json))
            Issue.record("a 503 should fail the delivery")
        } catch {
            #expect("\(error)".contains("the webhook answered 503"))
        }
        let posts = receiver.posts
        #expect(posts.count == 3)
        let slack = try #require(posts.first)
        #expect(slack["text"] as? String == "[CRITICAL] #7 orders-prod-3-1 CRITICAL: HTTP CRITICAL: 503")
        let attachment = try #require((slack["attachments"] as? [[String: Any]])?.first)
        #expect(attachment["color"] as? String == "danger")
        let generic = posts[1]
        #expect(generic["event"] as? String == "incident.triggered" && generic["person"] as? String == "dara")
        #expect((generic["incident"] as? [String: Any])?["dedupKey"] as? String == "health/orders-prod-3-1")
    }
}
