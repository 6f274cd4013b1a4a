import Foundation

/// A throwaway folder for one test: a HOME, an XDG data folder, a working folder and the demo
/// workspace, so no test sees the user's files or another test's state. Removed on deinit.
final class Sandbox {
    let root: URL
    var home: URL { root.appendingPathComponent("home") }
    var dataHome: URL { root.appendingPathComponent("data") }
    /// The current directory of the commands.
    var work: URL { root.appendingPathComponent("work") }
    /// Where the demo workspace lives.
    var demo: URL { root.appendingPathComponent("demo") }

    init() throws {
        // Short path: tmux sockets live under it and a Unix socket path has at most 107 bytes.
        root = URL(fileURLWithPath: "/tmp").appendingPathComponent("sd-e2e-\(UUID().uuidString.prefix(8))")
        for folder in [home, dataHome, work] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// `demo --dir DEMO`: creates the demo the first time, reuses it afterwards, and opens it.
    var demoArguments: [String] { ["demo", "--dir", demo.path] }

    /// The environment a person's shell would give shipdeck: UTF-8 locale, tmux's terminal type,
    /// and this sandbox as HOME and XDG_DATA_HOME.
    var environment: [String: String] {
        [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            "HOME": home.path,
            "XDG_DATA_HOME": dataHome.path,
            "USER": "e2e",
            "LANG": "C.UTF-8",
            "TERM": "tmux-256color",
            // A new demo would build all four services at once; the tests start builds themselves.
            "SHIPDECK_DEMO_BUILDS": "0",
        ]
    }

    /// Creates the demo workspace without opening it (`demo --create-only`), with service ports of
    /// its own (the demo's 8100–8103 moved to a free-looking block), so tests running side by side
    /// each get their service endpoints.
    func createDemo() throws {
        let result = try ShipdeckBinary.run(["demo", "--dir", demo.path, "--create-only"], in: work, environment: environment)
        guard result.status == 0 else {
            throw E2EFailure("shipdeck demo --create-only failed (\(result.status)): \(result.stderr)")
        }
        let config = demo.appendingPathComponent("shipdeck.yml")
        var text = try String(contentsOf: config, encoding: .utf8)
        for index in 0..<4 {
            text = text.replacingOccurrences(of: "port: \(8100 + index)", with: "port: \(portBase + index)")
        }
        try text.write(to: config, atomically: true, encoding: .utf8)
    }

    /// The first demo service's endpoint port in test (prod adds 1000).
    lazy var portBase: Int = 20_000 + Int.random(in: 0..<1_000) * 10
}

/// A failed end-to-end expectation; its text carries what was expected and the screen seen last.
struct E2EFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
