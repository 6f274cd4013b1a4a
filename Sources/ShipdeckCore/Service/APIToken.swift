import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The workspace's API token: 32 random bytes as hex in `.shipdeck/token`, mode 0600, created on
/// the core's first start. Every API request but the liveness probe must carry it.
public enum APIToken {
    public static func file(in workspace: URL) -> URL { ShipdeckPaths.stateDirectory(in: workspace).appendingPathComponent("token") }

    /// The existing token, or a new one written with mode 0600.
    public static func loadOrCreate(workspace: URL) throws -> String {
        if let token = try load(workspace: workspace) { return token }
        try FileManager.default.createDirectory(at: ShipdeckPaths.stateDirectory(in: workspace), withIntermediateDirectories: true)
        var generator = SystemRandomNumberGenerator()
        let token = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        let path = file(in: workspace).path
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST, let token = try load(workspace: workspace) { return token }
            throw ShipdeckError(.io, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array((token + "\n").utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw ShipdeckError(.io, "cannot write \(path)") }
        return token
    }

    /// The token, or nil when none was created yet.
    /// - Throws: when the file is readable by others (a leaked token), with a hint to fix the mode.
    public static func load(workspace: URL) throws -> String? {
        let path = file(in: workspace).path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw ShipdeckError(.refused, "\(path) is readable by others (mode \(String(mode, radix: 8)))", hint: "run `chmod 600 \(path)`")
        }
        let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}
