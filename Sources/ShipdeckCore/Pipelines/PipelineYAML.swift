import Foundation
import Yams

/// Composes a pipeline file into Yams nodes with aliases expanded and `<<` merge keys applied, refusing
/// files whose expansion is too large (billion laughs) or too deeply nested, before anything else reads them.
struct PipelineYAML {
    /// Nodes visited while expanding aliases; a file past this is refused.
    static let maximumNodes = 100_000
    /// Mappings and lists nested deeper than this are refused.
    static let maximumDepth = 64

    let file: String
    let lines: [Substring]
    private var visited = 0

    init(file: String, text: String) {
        self.file = file
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The root node, expanded.
    /// - Throws: the YAML syntax error, an empty file, or an expansion/nesting refusal, with its location.
    static func compose(_ text: String, file: String) throws(ShipdeckError) -> (root: Node, yaml: PipelineYAML) {
        let composed: Node?
        do { composed = try Yams.compose(yaml: text) } catch { throw ConfigLoader.syntaxError(error, file: file) }
        guard let composed else {
            throw ShipdeckError(.config, "the pipeline file is empty", at: SourceLocation(file: file, line: 1, column: 1),
                                hint: "start with `steps:` and a list of steps")
        }
        var yaml = PipelineYAML(file: file, text: text)
        let root = try yaml.expand(composed, depth: 0)
        return (root, yaml)
    }

    func location(_ node: Node?) -> SourceLocation {
        SourceLocation(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1)
    }

    /// Whether `node` was written with an anchor (`&name`) where it starts.
    func hasAnchor(_ node: Node) -> Bool {
        if node.anchor != nil { return true }
        guard let mark = node.mark, mark.line >= 1, mark.line <= lines.count else { return false }
        let line = lines[mark.line - 1].unicodeScalars
        guard mark.column >= 1, mark.column <= line.count else { return false }
        return line[line.index(line.startIndex, offsetBy: mark.column - 1)] == "&"
    }

    private mutating func expand(_ node: Node, depth: Int) throws(ShipdeckError) -> Node {
        visited += 1
        if visited > Self.maximumNodes {
            throw ShipdeckError(.config, "the pipeline expands to more than \(Self.maximumNodes) YAML nodes", at: location(node),
                                hint: "aliases (*name) expand to copies of their anchor; nest fewer aliases inside anchors")
        }
        if depth > Self.maximumDepth {
            throw ShipdeckError(.config, "the pipeline nests more than \(Self.maximumDepth) levels deep", at: location(node),
                                hint: "flatten the structure")
        }
        switch node {
        case .scalar, .alias:
            return node
        case .sequence(let sequence):
            var items: [Node] = []
            items.reserveCapacity(sequence.count)
            for item in sequence { items.append(try expand(item, depth: depth + 1)) }
            return .sequence(Node.Sequence(items, sequence.tag, sequence.style, sequence.mark))
        case .mapping(let mapping):
            var explicit: [(Node, Node)] = []
            var merged: [(Node, Node)] = []
            for (key, value) in mapping {
                if Tag.Name(rawValue: key.tag.rawValue) == .merge {
                    merged += try mergePairs(value, depth: depth + 1)
                } else {
                    explicit.append((key, try expand(value, depth: depth + 1)))
                }
            }
            var seen = Set(explicit.compactMap { $0.0.scalar?.string })
            var pairs: [(Node, Node)] = []
            for pair in merged {
                guard let name = pair.0.scalar?.string, !seen.contains(name) else { continue }
                seen.insert(name)
                pairs.append(pair)
            }
            return .mapping(Node.Mapping(pairs + explicit, mapping.tag, mapping.style, mapping.mark))
        }
    }

    /// The pairs a `<<:` value brings in: one mapping, or a list of mappings where earlier ones win.
    private mutating func mergePairs(_ value: Node, depth: Int) throws(ShipdeckError) -> [(Node, Node)] {
        switch value {
        case .mapping:
            guard case .mapping(let expanded) = try expand(value, depth: depth) else { return [] }
            return expanded.map { ($0.key, $0.value) }
        case .sequence(let sequence):
            var result: [(Node, Node)] = []
            for item in sequence {
                guard item.mapping != nil else {
                    throw ShipdeckError(.config, "'<<' must merge mappings, not \(describe(item))", at: location(item),
                                        hint: "write `<<: *anchor` or `<<: [*a, *b]` with anchors on mappings")
                }
                result += try mergePairs(item, depth: depth + 1)
            }
            return result
        default:
            throw ShipdeckError(.config, "'<<' must merge a mapping, not \(describe(value))", at: location(value),
                                hint: "write `<<: *anchor` where the anchor names a mapping")
        }
    }

    private func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
