import Foundation
import TerminalUI

/// Finds and loads theme files (`NAME.theme`) from the workspace's `themes/`, `$SHIPDECK_THEMES`,
/// and the `themes/` folder shipped beside the program.
public struct ThemeCatalog: Sendable {
    public var directories: [URL]

    public init(directories: [URL]) { self.directories = directories }

    /// The usual search path for a workspace.
    public static func standard(workspace: URL?, environment: [String: String], executable: URL?) -> ThemeCatalog {
        var directories: [URL] = []
        if let workspace { directories.append(workspace.appendingPathComponent("themes")) }
        if let custom = environment["SHIPDECK_THEMES"], !custom.isEmpty { directories.append(URL(fileURLWithPath: custom)) }
        // Beside the program: walk up from the executable (covers `swift run` and an installed tree).
        var folder = executable?.resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            guard let current = folder else { break }
            directories.append(current.appendingPathComponent("themes"))
            directories.append(current.appendingPathComponent("share/shipdeck/themes"))
            folder = current.deletingLastPathComponent()
        }
        // The source tree this binary was built from.
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes")
        directories.append(source)
        return ThemeCatalog(directories: directories.filter { FileManager.default.fileExists(atPath: $0.path) })
    }

    /// Names of every theme found, sorted.
    public var names: [String] {
        let files = directories.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: $0.path)) ?? [] }
        return Array(Set(files.filter { $0.hasSuffix(".theme") }.map { String($0.dropLast(6)) })).sorted()
    }

    /// Loads theme `name`. A missing or broken theme yields the built-in default and a notice
    /// naming the file and line, so the dashboard still opens.
    public func load(_ name: String) -> (Theme, Notice?) {
        guard let file = directories.map({ $0.appendingPathComponent("\(name).theme") }).first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            if name == "default" { return (.fallback, nil) }
            return (.fallback, Notice("Theme '\(name)' not found (themes: \(names.joined(separator: ", "))); using the default", level: .warning))
        }
        do {
            let text = try String(contentsOf: file, encoding: .utf8)
            return (try ThemeParser.parse(text, file: file.path), nil)
        } catch let failure as ThemeParser.Failure {
            return (.fallback, Notice("\(failure); using the default theme", level: .error))
        } catch {
            return (.fallback, Notice("\(file.path): \(error.localizedDescription); using the default theme", level: .error))
        }
    }
}
