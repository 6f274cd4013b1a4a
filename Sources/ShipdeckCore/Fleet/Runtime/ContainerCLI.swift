import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the container CLI (podman or docker) for `ContainerRuntime`: one command at a time, to
/// completion, off the concurrency pool, with none of the core's descriptors (a container's conmon
/// outlives the core and must not hold its ports or its database open).
struct ContainerCLI: Sendable {
    /// `podman` or `docker`.
    let program: String

    /// What a finished command printed (stdout and stderr together) and how it exited.
    struct Output: Sendable {
        var status: Int32
        var text: String
        var succeeded: Bool { status == 0 }
        /// The last non-empty line: a `--format` answer after any warnings the CLI printed first.
        var lastLine: String {
            text.split(whereSeparator: \.isNewline).last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        }
        /// The CLI said the container or image does not exist.
        var notFound: Bool { text.lowercased().contains("no such") || text.lowercased().contains("not known") }
    }

    /// The CLI's path, or an error that says how to install it.
    func executable() throws -> URL {
        guard let url = ProcessRunner.which(program) else {
            throw ShipdeckError(.notFound, "\(program) is not installed, so the container runtime cannot run", field: "fleet.container_cli",
                                hint: program == "podman" ? "install it with `apt-get install podman runc`, or use runtime: process"
                                    : "install \(program), or use runtime: process")
        }
        return url
    }

    /// Runs `program arguments…` and returns its output, whatever its exit status.
    /// - Parameters:
    ///   - environment: variables added to the core's environment for the CLI (`-e NAME` reads them).
    ///   - appendingTo: when set, stdout and stderr go to this file (opened to append) instead of the result.
    ///   - executableOverride: runs this program instead of the CLI (a shell that starts the CLI itself).
    func run(_ arguments: [String], environment: [String: String] = [:], appendingTo file: URL? = nil,
             executableOverride: String? = nil) async throws -> Output {
        let path = try executableOverride ?? executable().path
        var variables = ProcessInfo.processInfo.environment
        variables.merge(environment) { $1 }
        let redirect = file.map { "exec >>\(ProcessRuntime.quote($0.path)) 2>&1; " } ?? "exec 2>&1; "
        let argv = ["/bin/sh", "-c", redirect + "exec \"$0\" \"$@\"", path] + arguments
        let merged = variables
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.runBlocking(argv, environment: merged) })
            }
        }
    }

    private static func runBlocking(_ argv: [String], environment: [String: String]) throws -> Output {
        let child: ProcessSpawner.Child
        do {
            child = try ProcessSpawner.spawn(path: argv[0], arguments: argv, environment: environment, directory: nil, captureOutput: true)
        } catch {
            throw ShipdeckError(.io, "could not start \(argv[3]): \(error.description)", hint: "check that \(argv[3]) is executable")
        }
        close(child.stderr)
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(child.stdout, &buffer, buffer.count)
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        close(child.stdout)
        let status = ProcessSpawner.reap(child.pid)
        let exit = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Output(status: exit, text: String(decoding: data, as: UTF8.self))
    }
}
