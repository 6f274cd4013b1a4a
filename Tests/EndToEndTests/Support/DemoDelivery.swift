import Foundation
import Testing

/// The steps several sessions start with: a demo that polls its repos every second, a developer's
/// commit to a service, and its pipeline deploying it to test.
extension Sandbox {
    /// Makes the demo workspace and edits its shipdeck.yml: repos polled every second, then `edit`.
    func createFastDemo(_ edit: (String) throws -> String = { $0 }) throws {
        try createDemo()
        let config = demo.appendingPathComponent("shipdeck.yml")
        let text = try String(contentsOf: config, encoding: .utf8).replacingOccurrences(of: "poll_interval: 5", with: "poll_interval: 1")
        try edit(text).write(to: config, atomically: true, encoding: .utf8)
    }

    /// Appends `line` to the service's app.py and commits it with `message`, as a developer would.
    func commit(to service: String, line: String, message: String) throws {
        let repo = demo.appendingPathComponent("services/\(service)")
        let handle = try FileHandle(forWritingTo: repo.appendingPathComponent("app.py"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("\(line)\n".utf8))
        try handle.close()
        guard let git = Command.which("git") else { throw E2EFailure("git is not installed") }
        for arguments in [["add", "-A"], ["-c", "user.name=Ana Ruiz", "-c", "user.email=ana@shipdeck.invalid", "commit", "-q", "-m", message]] {
            let result = try Command.run(git, ["-C", repo.path] + arguments, environment: environment)
            guard result.status == 0 else { throw E2EFailure("git failed: \(result.stderr)") }
        }
    }
}

extension TmuxSession {
    /// With the Fleet pane open, waits until `service` runs its first image in test (its pipeline's
    /// deploy step); returns that screen.
    @discardableResult
    func waitUntilDeployedToTest(_ service: String) async throws -> String {
        try await waitUntil("\(service)/test runs \(service):1", timeout: 90) { screen in
            screen.components(separatedBy: "\n").contains {
                $0.contains(service) && $0.contains("test") && $0.contains("1/1") && $0.contains("\(service):1")
            }
        }
    }
}

extension Sandbox {
    /// What the running core knows of `service`'s builds and deploys, for a failure message when a
    /// delivery did not arrive: each build's jobs with their state and detail, the tail of every failed
    /// job's log, and the service's deploy history in test.
    func deliveryReport(_ service: String) -> String {
        var report = ["What the core knows of \(service):"]
        let status = try? ShipdeckBinary.run(["status", "--json", "--workspace", demo.path], in: demo, environment: environment)
        guard let status, status.status == 0,
              let snapshot = try? JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any],
              let pipelines = snapshot["pipelines"] as? [[String: Any]] else {
            return report[0] + " (shipdeck status failed: \(status?.stderr ?? "did not run"))"
        }
        let builds = pipelines.filter { $0["service"] as? String == service }.flatMap { $0["builds"] as? [[String: Any]] ?? [] }
        for build in builds {
            let number = build["number"] as? Int ?? 0
            report.append("  \(service)#\(number) \(build["state"] as? String ?? "?")")
            for job in build["jobs"] as? [[String: Any]] ?? [] {
                let key = job["id"] as? String ?? "?"
                let state = job["state"] as? String ?? "?"
                report.append("    \(key): \(state) \(job["detail"] as? String ?? "")")
                guard state == "failed" || state == "timedOut" else { continue }
                if let log = try? ShipdeckBinary.run(["log", "\(service)#\(number)", key, "--workspace", demo.path], in: demo, environment: environment) {
                    report += (log.stdout + log.stderr).split(separator: "\n").suffix(15).map { "      | \($0)" }
                }
            }
        }
        if let deploys = try? ShipdeckBinary.run(["deploys", service, "--env", "test", "--workspace", demo.path], in: demo, environment: environment) {
            report.append("  deploys in test:")
            report += (deploys.stdout + deploys.stderr).split(separator: "\n").map { "    \($0)" }
        }
        return report.joined(separator: "\n")
    }

    /// Runs `body`; when it throws, the error carries `deliveryReport(service)` as well.
    func explainingDelivery<T>(of service: String, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch {
            throw E2EFailure("\(error)\n\(deliveryReport(service))")
        }
    }
}
