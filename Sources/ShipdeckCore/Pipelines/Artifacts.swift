import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A passed job's `artifact_paths`: the matching files of its checkout are copied under
/// `.shipdeck/builds/SERVICE/NUMBER/artifacts/JOB/`, keeping their relative paths.
public enum Artifacts {
    /// Copies the files under `checkout` that match any of `patterns` (shell globs on the relative
    /// path, `**` for any depth) into `destination`; returns the relative paths copied.
    @discardableResult
    public static func collect(patterns: [String], from checkout: URL, into destination: URL) throws -> [String] {
        guard !patterns.isEmpty else { return [] }
        let root = checkout.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var copied: [String] = []
        while let relative = walker.nextObject() as? String {
            if relative == ".git" || relative.hasPrefix(".git/") { walker.skipDescendants(); continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory), !isDirectory.boolValue,
                  patterns.contains(where: { matches($0, relative) }) else { continue }
            let target = destination.appendingPathComponent(relative)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(atPath: root + "/" + relative, toPath: target.path)
            copied.append(relative)
        }
        return copied.sorted()
    }

    static func matches(_ pattern: String, _ path: String) -> Bool {
        let pattern = pattern.hasPrefix("./") ? String(pattern.dropFirst(2)) : pattern
        if pattern.contains("**") {
            // `a/**/b` matches any depth: try the pattern with `**/` removed and with `**` as `*` at each level.
            let flat = pattern.replacingOccurrences(of: "**/", with: "")
            if fnmatch(flat, path, 0) == 0 { return true }
            return fnmatch(pattern.replacingOccurrences(of: "**", with: "*"), path, 0) == 0
        }
        return fnmatch(pattern, path, FNM_PATHNAME) == 0
    }
}
