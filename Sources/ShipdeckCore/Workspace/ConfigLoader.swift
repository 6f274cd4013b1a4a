import Foundation
import Yams

/// Reads `shipdeck.yml`, validates it in one pass and applies environment overrides.
///
/// Every problem carries `file:line:column` and a hint; all problems of a file are reported together
/// as `ShipdeckErrors`. Environment overrides are listed on `EnvironmentOverrides`.
public enum ConfigLoader {
    /// Loads and validates the config at `file`, then applies overrides from `environment`.
    /// - Parameters:
    ///   - file: the `shipdeck.yml` to read.
    ///   - environment: usually `ProcessInfo.processInfo.environment`; see `EnvironmentOverrides`.
    /// - Returns: the validated config.
    /// - Throws: `ShipdeckErrors` listing every problem (missing file, YAML syntax, schema, overrides).
    public static func load(file: URL, environment: [String: String] = [:]) throws -> WorkspaceConfig {
        let text = try read(file)
        let (config, errors) = parse(text, file: file, environment: environment)
        guard let config, errors.isEmpty else { throw ShipdeckErrors(errors) }
        return config
    }

    /// Every problem in the config at `file` (empty when it is valid), without environment overrides.
    public static func validate(file: URL) -> [ShipdeckError] {
        do {
            let text = try read(file)
            return parse(text, file: file, environment: [:]).errors
        } catch let errors as ShipdeckErrors {
            return errors.errors
        } catch {
            return [ShipdeckError(.io, "\(error)", field: file.path)]
        }
    }

    /// Parses config `text` as if read from `file`; returns the config (when usable) and every problem.
    public static func parse(_ text: String, file: URL, environment: [String: String] = [:]) -> (config: WorkspaceConfig?, errors: [ShipdeckError]) {
        let name = file.lastPathComponent
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                return (nil, [ShipdeckError(.config, "the file is empty", at: SourceLocation(file: name, line: 1, column: 1),
                                            hint: "start with `name: my-workspace`, or run `shipdeck init`")])
            }
            root = composed
        } catch {
            return (nil, [syntaxError(error, file: name)])
        }
        let reader = ConfigReader(file: name)
        let parsed = ConfigParser(reader: reader, file: file).parse(root)
        guard var config = parsed, reader.errors.isEmpty else { return (parsed, reader.errors) }
        let overrideErrors = EnvironmentOverrides.apply(environment, to: &config)
        return (config, overrideErrors)
    }

    private static func read(_ file: URL) throws -> String {
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw ShipdeckErrors([ShipdeckError(.notFound, "no \(file.lastPathComponent) in \(file.deletingLastPathComponent().path)",
                                                field: file.path, hint: "run `shipdeck init` to create one, or `shipdeck demo` to try Shipdeck")])
        }
        do {
            return try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw ShipdeckErrors([ShipdeckError(.io, "cannot read \(file.path): \(error.localizedDescription)", field: file.path,
                                                hint: "check the file's permissions and that it is UTF-8 text")])
        }
    }

    /// Turns a Yams error into a located `ShipdeckError`.
    static func syntaxError(_ error: Error, file: String) -> ShipdeckError {
        func at(_ mark: Mark) -> SourceLocation { SourceLocation(file: file, line: mark.line, column: mark.column) }
        let hint = "fix the YAML syntax: check indentation, colons and quotes"
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let detail = context.map { " \($0.text)" } ?? ""
            return ShipdeckError(.config, "YAML syntax error: \(problem)\(detail)", at: at(mark), hint: hint)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ShipdeckError(.config, "key '\(duplicates.joined(separator: "', '"))' appears twice in one mapping",
                                 at: at(context.mark), hint: "keep one of them")
        case .reader(let problem, _, _, _):
            return ShipdeckError(.config, "cannot read the file: \(problem)", at: SourceLocation(file: file, line: 1, column: 1),
                                 hint: "save the file as UTF-8 text")
        default:
            return ShipdeckError(.config, "YAML error: \(error)", at: SourceLocation(file: file, line: 1, column: 1), hint: hint)
        }
    }
}
