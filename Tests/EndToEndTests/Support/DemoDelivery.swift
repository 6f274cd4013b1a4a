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
