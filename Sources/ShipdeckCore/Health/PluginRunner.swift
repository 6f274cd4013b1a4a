import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a Nagios plugin as Nagios 4 does: `sh -c` on the command line, stdout read (at most
/// `maxOutput` bytes), the exit code mapped to a status, and the whole process group killed when it
/// outlives its timeout (then CRITICAL, "(Service check timed out after N seconds)").
public struct PluginRunner: Sendable {
    /// Nagios' `MAX_PLUGIN_OUTPUT_LENGTH`.
    public static let maxOutput = 8192

    public init() {}

    /// Replaces the `$NAME$` macros of a command line (Nagios' style) with their values.
    /// - Parameters:
    ///   - command: the configured command line.
    ///   - macros: names without the dollars, e.g. `["HOST": "127.0.0.1", "PORT": "8080"]`.
    /// - Returns: the command line with each known macro replaced; unknown ones are left as written.
    public static func expand(_ command: String, macros: [String: String]) -> String {
        var result = command
        for (name, value) in macros { result = result.replacingOccurrences(of: "$\(name)$", with: value) }
        return result
    }

    /// Runs `command` and returns its result.
    /// - Parameters:
    ///   - command: the expanded command line.
    ///   - environment: variables added to the core's environment.
    ///   - timeout: seconds before the plugin's process group is killed.
    ///   - at: when the check started (the result's date).
    public func run(_ command: String, environment: [String: String] = [:], directory: String? = nil, timeout: Double, at date: Date) async -> CheckResult {
        let started = runnerMonotonicNanoseconds()
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let outcome: (status: Int32?, stdout: String, stderr: String) = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Self.runBlocking(command, environment: env, directory: directory, timeout: timeout))
            }
        }
        let duration = Double(runnerMonotonicNanoseconds() - started) / 1e9
        guard let status = outcome.status else {
            return CheckResult(status: .critical, output: String(format: "(Service check timed out after %.2f seconds)", timeout),
                               duration: duration, at: date)
        }
        let text = outcome.stdout.isEmpty ? outcome.stderr : outcome.stdout
        if status == 126 || status == 127 || status > 255 || status < 0 {
            let why = status == 127 ? " - plugin may be missing" : status == 126 ? " - plugin may not be executable" : ""
            let first = text.split(separator: "\n").first.map { ": \($0)" } ?? ""
            return CheckResult(status: .unknown, output: "(Return code of \(status) is out of bounds\(why))\(first)", duration: duration, at: date)
        }
        if text.isEmpty {
            return CheckResult(status: CheckStatus(exitCode: status), output: "(No output returned from plugin)", duration: duration, at: date)
        }
        return CheckResult(exitCode: status, stdout: text, duration: duration, at: date)
    }

    /// Spawns, reads both pipes until they close or the deadline passes, reaps. Status nil: timed out.
    private static func runBlocking(_ command: String, environment: [String: String], directory: String?, timeout: Double) -> (Int32?, String, String) {
        let child: ProcessSpawner.Child
        do {
            child = try ProcessSpawner.spawn(path: "/bin/sh", arguments: ["sh", "-c", command], environment: environment, directory: directory)
        } catch {
            return (3, "", "could not start the plugin: \(error)")
        }
        var out = [UInt8](), err = [UInt8]()
        var fds = [pollfd(fd: child.stdout, events: Int16(POLLIN), revents: 0), pollfd(fd: child.stderr, events: Int16(POLLIN), revents: 0)]
        let deadline = runnerMonotonicNanoseconds() + UInt64(max(0.001, timeout) * 1e9)
        var timedOut = false
        var buffer = [UInt8](repeating: 0, count: 4096)
        while fds.contains(where: { $0.fd >= 0 }) {
            let now = runnerMonotonicNanoseconds()
            guard now < deadline else { timedOut = true; break }
            let ready = poll(&fds, nfds_t(fds.count), Int32(min(1000, (deadline - now) / 1_000_000 + 1)))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { continue }
            for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
                let count = read(fds[index].fd, &buffer, buffer.count)
                if count > 0 {
                    if index == 0 { if out.count < maxOutput { out += buffer[0..<min(count, maxOutput - out.count)] } }
                    else if err.count < maxOutput { err += buffer[0..<min(count, maxOutput - err.count)] }
                } else if count == 0 || errno != EINTR {
                    close(fds[index].fd)
                    fds[index].fd = -1
                }
            }
        }
        for fd in fds where fd.fd >= 0 { close(fd.fd) }
        if timedOut { kill(-child.pid, SIGKILL) }
        let raw = ProcessSpawner.reap(child.pid)
        if !timedOut { kill(-child.pid, SIGKILL) }  // anything the plugin left behind in its group
        let exit: Int32 = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f) + 256
        return (timedOut ? nil : exit, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }
}
