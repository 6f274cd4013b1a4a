import Foundation

/// Runs a program to completion with `Foundation.Process` and captures its combined output.
///
/// Used for short, local commands (git). Long-running service processes belong to the fleet engine.
public struct ProcessRunner: Sendable {
    /// What a finished command printed and how it exited.
    public struct Output: Sendable, Equatable {
        public var status: Int32
        public var text: String
    }

    /// Extra environment variables merged over the current process environment.
    public var environment: [String: String]

    public init(environment: [String: String] = [:]) { self.environment = environment }

    /// Finds `program` on `PATH`; returns nil when it is not installed.
    public static func which(_ program: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> URL? {
        let directories = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        for directory in directories {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(program)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// Runs `program` with `arguments` in `directory` and returns its output.
    /// - Throws: `ShipdeckError` (.notFound) when the program is not installed, (.io) when it exits non-zero.
    @discardableResult
    public func run(_ program: String, _ arguments: [String], in directory: URL) throws -> Output {
        guard let executable = Self.which(program) else {
            throw ShipdeckError(.notFound, "\(program) is not installed", field: program,
                                hint: "install \(program) (for example `apt-get install \(program)`) and try again")
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw ShipdeckError(.io, "could not start \(program): \(error.localizedDescription)", field: program,
                                hint: "check that \(executable.path) is executable")
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let output = Output(status: process.terminationStatus, text: String(decoding: data, as: UTF8.self))
        guard output.status == 0 else {
            let command = ([program] + arguments).joined(separator: " ")
            throw ShipdeckError(.io, "`\(command)` failed with status \(output.status): \(output.text.trimmingCharacters(in: .whitespacesAndNewlines))",
                                field: directory.path, hint: "run the command by hand in that folder to see what is wrong")
        }
        return output
    }
}
