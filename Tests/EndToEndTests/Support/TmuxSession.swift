import Foundation
import Testing

/// The real `shipdeck` binary running in a real terminal: a tmux server of its own (own `-L`
/// socket under the sandbox) with one pane of a fixed size. Drive it like a person: press keys,
/// read the screen, wait for text.
///
/// The pane runs a small shell wrapper that starts shipdeck (its pid goes to a file), then prints
/// `EXITED:<status>` and the terminal's `icanon`/`echo` modes (`STTY:icanon` or `STTY:-icanon`) and
/// stays open, so a test can see what the terminal looks like after shipdeck is gone.
final class TmuxSession {
    let sandbox: Sandbox
    let socket: String
    private(set) var width: Int
    private(set) var height: Int
    private let pidFile: URL
    private var closed = false

    /// Keys of `environment` set to nil are removed from the sandbox's environment.
    init(_ sandbox: Sandbox, width: Int = 120, height: Int = 40, arguments: [String]? = nil,
         environment overrides: [String: String?] = [:], directory: URL? = nil, stdoutFile: URL? = nil) throws {
        self.sandbox = sandbox
        self.width = width
        self.height = height
        socket = "sd-\(UUID().uuidString.prefix(8))"
        pidFile = sandbox.root.appendingPathComponent("\(socket).pid")
        var environment = sandbox.environment
        for (key, value) in overrides { environment[key] = value }
        let config = sandbox.root.appendingPathComponent("\(socket).conf")
        try """
            set -g remain-on-exit on
            set -g status off
            set -g default-terminal tmux-256color
            set -g history-limit 100

            """.write(to: config, atomically: true, encoding: .utf8)
        let script = sandbox.root.appendingPathComponent("\(socket).sh")
        let command = ["env", "-i"] + environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            + [ShipdeckBinary.url.path] + (arguments ?? sandbox.demoArguments)
        try """
            cd \(shellQuoted((directory ?? sandbox.work).path))
            sh -c 'echo $$ > "$0"; exec "$@"' \(shellQuoted(pidFile.path)) \(command.map(shellQuoted).joined(separator: " "))\(stdoutFile.map { " > " + shellQuoted($0.path) } ?? "")
            echo "EXITED:$?"
            stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | sed 's/^/STTY:/'
            exec sleep 3600

            """.write(to: script, atomically: true, encoding: .utf8)
        try tmux(["-f", config.path, "new-session", "-d", "-s", "e2e", "-x", "\(width)", "-y", "\(height)", "sh \(shellQuoted(script.path))"])
    }

    deinit { close() }

    /// Ends the tmux server and everything in it. Safe to call twice.
    func close() {
        guard !closed else { return }
        closed = true
        _ = try? tmux(["kill-server"])
    }

    // MARK: Keys

    /// Sends tmux key names (`"j"`, `"Enter"`, `"Escape"`, `"Tab"`, `"C-c"`), one key each.
    func press(_ keys: String...) throws {
        for key in keys { try tmux(["send-keys", "-t", "e2e", key]) }
    }

    /// Types `text` literally.
    func type(_ text: String) throws {
        try tmux(["send-keys", "-t", "e2e", "-l", text])
    }

    // MARK: Screen

    /// The visible screen as text, one line per row (trailing spaces trimmed by tmux).
    func screen() throws -> String {
        try tmux(["capture-pane", "-p", "-t", "e2e"])
    }

    func lines() throws -> [String] {
        var lines = try screen().components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// The visible screen with its attributes and colours as ANSI escape sequences.
    func styledScreen() throws -> String {
        try tmux(["capture-pane", "-p", "-e", "-t", "e2e"])
    }

    /// Polls the screen until `condition` holds, and returns that screen; after `timeout` seconds
    /// it throws with `expectation` and the last screen.
    @discardableResult
    func waitUntil(_ expectation: String, timeout: Double = 10, sourceLocation: SourceLocation = #_sourceLocation,
                   _ condition: (String) -> Bool) async throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while true {
            last = try screen()
            if condition(last) { return last }
            if Date() > deadline { break }
            try await Task.sleep(nanoseconds: 40_000_000)
        }
        throw E2EFailure("""
            \(sourceLocation.fileName):\(sourceLocation.line): timed out after \(timeout)s waiting until \(expectation). \
            Last screen (\(width)x\(height)):
            \(last)
            """)
    }

    /// Waits until every one of `texts` is on screen.
    @discardableResult
    func waitFor(_ texts: String..., timeout: Double = 10, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try await waitUntil("the screen shows \(texts.map { "'\($0)'" }.joined(separator: ", "))", timeout: timeout,
                            sourceLocation: sourceLocation) { screen in texts.allSatisfy { screen.contains($0) } }
    }

    /// Waits until none of `texts` is on screen.
    @discardableResult
    func waitForGone(_ texts: String..., timeout: Double = 10, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try await waitUntil("the screen no longer shows \(texts.map { "'\($0)'" }.joined(separator: ", "))", timeout: timeout,
                            sourceLocation: sourceLocation) { screen in !texts.contains { screen.contains($0) } }
    }

    // MARK: Window and process

    /// Resizes the window (the pane follows), which sends SIGWINCH to shipdeck.
    func resize(width: Int, height: Int) throws {
        try tmux(["resize-window", "-t", "e2e", "-x", "\(width)", "-y", "\(height)"])
        self.width = width
        self.height = height
    }

    /// The pid of shipdeck itself (written by the wrapper right before `exec`).
    func shipdeckPID(timeout: Double = 30) async throws -> pid_t {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = try? String(contentsOf: pidFile, encoding: .utf8),
               let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                return pid
            }
            try await Task.sleep(nanoseconds: 40_000_000)
        }
        throw E2EFailure("shipdeck never started: no pid in \(pidFile.path)")
    }

    /// Sends `signal` to shipdeck (like `kill -TERM <pid>` from another terminal).
    func send(signal: Int32) async throws {
        let pid = try await shipdeckPID()
        guard kill(pid, signal) == 0 else { throw E2EFailure("kill(\(pid), \(signal)) failed: errno \(errno)") }
    }

    // MARK: tmux

    @discardableResult
    private func tmux(_ arguments: [String]) throws -> String {
        guard let tmux = Command.which("tmux") else { throw E2EFailure("tmux is not installed") }
        let result = try Command.run(tmux, ["-L", socket] + arguments, environment: [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOME": sandbox.home.path,
            "TMUX_TMPDIR": sandbox.root.path,
            "LANG": "C.UTF-8",
        ])
        guard result.status == 0 else {
            throw E2EFailure("tmux \(arguments.joined(separator: " ")) failed (\(result.status)): \(result.stderr)")
        }
        return result.stdout
    }
}

/// Quotes `text` for a POSIX shell.
func shellQuoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
