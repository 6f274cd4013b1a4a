import Foundation

/// Finds the `shipdeck` executable of the same build as this test bundle and runs it as a plain
/// command (no terminal), for the CLI tests.
enum ShipdeckBinary {
    /// `SHIPDECK_BIN` when set; else the `shipdeck` next to the running test bundle (the build's
    /// products folder, whatever `--scratch-path` it has); else `.build/debug/shipdeck` of the package.
    static let url: URL = {
        let fileManager = FileManager.default
        if let path = ProcessInfo.processInfo.environment["SHIPDECK_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        var starts: [URL] = []
        if let executable = Bundle.main.executableURL { starts.append(executable) }
        starts.append(URL(fileURLWithPath: CommandLine.arguments[0]))
        starts += Bundle.allBundles.map(\.bundleURL)
        for start in starts {
            var folder = start.resolvingSymlinksInPath().deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = folder.appendingPathComponent("shipdeck")
                var isFolder: ObjCBool = false
                if fileManager.fileExists(atPath: candidate.path, isDirectory: &isFolder), !isFolder.boolValue,
                   fileManager.isExecutableFile(atPath: candidate.path) {
                    return candidate
                }
                folder = folder.deletingLastPathComponent()
            }
        }
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/shipdeck")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `shipdeck ARGUMENTS` in `directory` with stdin from /dev/null (not a terminal).
    static func run(_ arguments: [String], in directory: URL, environment: [String: String]) throws -> Result {
        try Command.run(url.path, arguments, in: directory, environment: environment)
    }
}

/// Runs a program to completion and collects its output.
///
/// Uses `posix_spawn` and `waitpid` rather than Foundation's `Process`: `tmux new-session -d`
/// leaves a server running that inherits its parent's descriptors, and `Process` on Linux only
/// notices the exit when every holder of its descriptors closed them, so it would wait forever.
/// For the same reason the output goes to files, not pipes. The child starts with no blocked
/// signals and default handlers, as from a shell.
enum Command {
    static func run(_ program: String, _ arguments: [String], in directory: URL? = nil,
                    environment: [String: String]) throws -> ShipdeckBinary.Result {
        let folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("sd-e2e-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputFile = folder.appendingPathComponent("stdout"), errorFile = folder.appendingPathComponent("stderr")

        // posix_spawn_file_actions_addchdir_np is not imported: change folder through sh.
        let command = directory.map { ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", $0.path, program] + arguments } ?? [program] + arguments
        let pid = try spawn(command, environment: environment, stdout: outputFile, stderr: errorFile)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG by hand: the C macros are not imported into Swift.
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        let errorText = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return .init(status: exitStatus, stdout: output, stderr: errorText)
    }

    /// `/usr/bin/env`-style lookup of a program on PATH.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Starts `command` (argv[0] a path) with stdin from /dev/null, stdout and stderr to files (the
    /// same file when equal), no blocked signals and default handlers; returns its pid.
    static func spawn(_ command: [String], environment: [String: String], stdout: URL, stderr: URL) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if stderr == stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        }
        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        // A clean start like a shell's: the test runner's threads block most signals (and a
        // spawned child inherits that mask), so reset the mask and every handler to default.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw E2EFailure("could not start \(command[0]): error \(spawned)") }
        return pid
    }
}
