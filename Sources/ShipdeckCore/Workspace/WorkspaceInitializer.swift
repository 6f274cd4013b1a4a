import Foundation

/// `shipdeck init [DIR]`: finds the git repositories under a folder and writes a starting `shipdeck.yml`.
public enum WorkspaceInitializer {
    /// A repository found under the workspace folder.
    public struct DiscoveredService: Sendable, Equatable {
        public var name: String
        /// Folder relative to the workspace.
        public var repo: String
        /// The pipeline file found in the repository (`.buildkite/pipeline.yml` or `.yaml`), if any.
        public var pipeline: String?
        /// The guessed start command (nil when nothing suggested one).
        public var run: String?
        public var port: Int
    }

    /// What `run` wrote.
    public struct Result: Sendable, Equatable {
        public var configFile: URL
        public var services: [DiscoveredService]
    }

    /// The first port handed out; each further service gets the next one.
    public static let firstPort = 8100
    static let skipped: Set<String> = ["node_modules", "vendor", "build", "dist", "target"]

    /// Writes `DIRECTORY/shipdeck.yml` describing the repositories found there (depth ≤ 3).
    /// - Parameters:
    ///   - directory: the workspace folder.
    ///   - environment: `USER` names the first person, `TZ` the on-call time zone when it is a valid IANA name.
    /// - Throws: `ShipdeckError` (.refused) when `shipdeck.yml` already exists; (.io) when it cannot be written.
    @discardableResult
    public static func run(directory: URL, environment: [String: String]) throws -> Result {
        let file = ShipdeckPaths.configFile(in: directory)
        guard !FileManager.default.fileExists(atPath: file.path) else {
            throw ShipdeckError(.refused, "\(file.path) already exists; init will not overwrite it", field: file.path,
                                hint: "edit the existing file, or move it away and run `shipdeck init` again")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ShipdeckError(.notFound, "\(directory.path) is not a folder", field: directory.path, hint: "create it first, or pick another folder")
        }
        let services = discover(in: directory)
        let text = ConfigTemplate.render(name: directory.standardizedFileURL.lastPathComponent, services: services, environment: environment)
        do { try text.write(to: file, atomically: true, encoding: .utf8) } catch {
            throw ShipdeckError(.io, "cannot write \(file.path): \(error.localizedDescription)", field: file.path,
                                hint: "check that the folder is writable")
        }
        return Result(configFile: file, services: services)
    }

    /// The git repositories (folders holding `.git`) under `directory`, at most three levels down, sorted by path.
    /// A repository's own subfolders are not searched. When none is found and `directory` is itself a
    /// repository, it becomes the one service (repo `.`).
    public static func discover(in directory: URL) -> [DiscoveredService] {
        var repos: [String] = []
        func walk(_ folder: URL, _ relative: String, depth: Int) {
            guard depth <= 3 else { return }
            if depth > 0, FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path) {
                repos.append(relative)
                return
            }
            let children = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for child in children.sorted() where !child.hasPrefix(".") && !skipped.contains(child) {
                var isDirectory: ObjCBool = false
                let url = folder.appendingPathComponent(child)
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
                walk(url, relative.isEmpty ? child : relative + "/" + child, depth: depth + 1)
            }
        }
        walk(directory, "", depth: 0)
        if repos.isEmpty, FileManager.default.fileExists(atPath: directory.appendingPathComponent(".git").path) { repos = ["."] }
        var used: Set<String> = []
        return repos.sorted().enumerated().map { index, repo in
            let folder = repo == "." ? directory : directory.appendingPathComponent(repo)
            var name = serviceName(from: folder.standardizedFileURL.lastPathComponent)
            if used.contains(name) {
                var suffix = 2
                while used.contains("\(name)-\(suffix)") { suffix += 1 }
                name = "\(name)-\(suffix)"
            }
            used.insert(name)
            let pipeline = [".buildkite/pipeline.yml", ".buildkite/pipeline.yaml"].first {
                FileManager.default.fileExists(atPath: folder.appendingPathComponent($0).path)
            }
            return DiscoveredService(name: name, repo: repo, pipeline: pipeline, run: guessRun(in: folder), port: firstPort + index)
        }
    }

    /// A valid service name from a folder name: lower-case, other characters as `-`.
    static func serviceName(from folder: String) -> String {
        var name = String(folder.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? $0 : "-" })
        while name.contains("--") { name = name.replacingOccurrences(of: "--", with: "-") }
        name = name.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        if let first = name.first, first.isLetter { return name }
        return "svc-" + (name.isEmpty ? "repo" : name)
    }

    /// A start command guessed from the files in the repository.
    static func guessRun(in folder: URL) -> String? {
        let guesses: [(String, String)] = [
            ("app.py", "python3 app.py"), ("main.py", "python3 main.py"), ("package.json", "npm start"),
            ("go.mod", "go run ."), ("Package.swift", "swift run"), ("Cargo.toml", "cargo run"), ("Procfile", "honcho start web"),
        ]
        return guesses.first { FileManager.default.fileExists(atPath: folder.appendingPathComponent($0.0).path) }?.1
    }
}
