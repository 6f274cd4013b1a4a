import Foundation
import Yams

/// Reads a Buildkite-style `pipeline.yml` into a `PipelineDefinition`, reporting every problem with
/// file:line:column: unknown keys (with did-you-mean), Buildkite keys Shipdeck does not support yet,
/// wrong types, duplicate keys, unknown `depends_on` targets and dependency cycles.
public enum PipelineParser {
    /// Keys allowed at the top level; other keys are allowed only when they just hold YAML anchors.
    static let topLevelKeys = ["steps", "env", "agents"]
    /// Buildkite keys Shipdeck refuses by name until it supports them.
    static let unsupportedKeys: Set<String> = [
        "plugins", "notify", "skip", "cancel_on_build_failing", "type", "signature", "secrets", "cache", "image",
        "allowed_teams", "meta_data", "signal", "signal_reason", "permit_on_passed", "format", "agent_query_rules", "timeout",
    ]

    /// Parses pipeline `text` read from `file` (the name used in error locations).
    /// - Returns: the validated definition.
    /// - Throws: `ShipdeckErrors` with every problem found, sorted by position.
    public static func parse(_ text: String, file: String) throws(ShipdeckErrors) -> PipelineDefinition {
        let root: Node, yaml: PipelineYAML
        do { (root, yaml) = try PipelineYAML.compose(text, file: file) } catch { throw ShipdeckErrors([error]) }
        let parser = PipelineStepParser(yaml: yaml)
        let definition = parser.parseRoot(root)
        if let definition, parser.errors.isEmpty { PipelineGraphCheck(parser: parser).check(definition) }
        let errors = parser.errors
        guard let definition, errors.isEmpty else {
            throw ShipdeckErrors(errors.sorted { ($0.location?.line ?? 0, $0.location?.column ?? 0) < ($1.location?.line ?? 0, $1.location?.column ?? 0) })
        }
        return definition
    }

    /// Reads and parses the pipeline at `url`; error locations use `displayName` (default: the path as given).
    public static func parse(contentsOf url: URL, displayName: String? = nil) throws(ShipdeckErrors) -> PipelineDefinition {
        let name = displayName ?? url.path
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ShipdeckErrors([ShipdeckError(.io, "cannot read \(url.path): \(error.localizedDescription)", field: name,
                                                hint: "check that the file exists and is UTF-8 text")])
        }
        return try parse(text, file: name)
    }
}
