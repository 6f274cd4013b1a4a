import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

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

    /// The first demo service's endpoint port in test (prod adds 1000). Sessions of one test run get
    /// blocks in turn (test 20000–20999, prod 21000–21999), so two demos running side by side never
    /// share an endpoint (random blocks did, in about one run in eight); a block something else
    /// listens on is skipped.
    lazy var portBase: Int = Self.portBlocks.next()

    private static let portBlocks = PortBlocks()
}

/// Hands out blocks of ten ports for the demos of one test run, starting at a random block.
private final class PortBlocks: Sendable {
    private let slot = Mutex(Int.random(in: 0..<100))

    func next() -> Int {
        for _ in 0..<100 {
            let base = slot.withLock { slot in
                defer { slot = (slot + 1) % 100 }
                return 20_000 + slot * 10
            }
            if (0..<4).allSatisfy({ Self.isFree(base + $0) && Self.isFree(base + 1_000 + $0) }) { return base }
        }
        return 20_000 + Int.random(in: 0..<100) * 10
    }

    /// Whether a listener could bind `port` on 127.0.0.1 now.
    private static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// A failed end-to-end expectation; its text carries what was expected and the screen seen last.
struct E2EFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
