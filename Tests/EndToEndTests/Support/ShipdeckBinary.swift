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
enum Command {
    static func run(_ program: String, _ arguments: [String], in directory: URL? = nil,
                    environment: [String: String]) throws -> ShipdeckBinary.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = directory }
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        let output = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = errorHandle
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errorHandle.close()
        let errorText = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return .init(status: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: errorText)
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
}
