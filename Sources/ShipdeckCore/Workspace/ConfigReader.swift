import Foundation
import Yams

/// Walks composed YAML nodes, reading typed values and collecting every problem with its file:line:column.
///
/// One reader reads one file on one task; it is never shared.
final class ConfigReader {
    /// A mapping whose keys were checked against the allowed set.
    struct Table {
        let path: String
        let node: Node
        let entries: [(key: String, keyNode: Node, value: Node)]

        subscript(key: String) -> Node? { entries.first { $0.key == key }?.value }
        func keyNode(_ key: String) -> Node? { entries.first { $0.key == key }?.keyNode }
    }

    let file: String
    private(set) var errors: [ShipdeckError] = []

    init(file: String) { self.file = file }

    /// The location of `node` in the file.
    func location(_ node: Node?) -> SourceLocation {
        let mark = node?.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// Records a problem at `node`.
    func fail(_ node: Node?, _ message: String, hint: String? = nil) {
        errors.append(ShipdeckError(.config, message, at: location(node), hint: hint))
    }

    /// Reads a mapping, reporting unknown keys (with a suggestion) and missing required keys.
    func table(_ node: Node, path: String, allowed: [String], required: [String] = [], at anchor: Node? = nil) -> Table? {
        guard let mapping = node.mapping else {
            fail(anchor.flatMap { isEmpty(node) ? $0 : nil } ?? node, "\(path) must be a mapping of keys to values",
                 hint: "write it as `key: value` lines indented under \(path.split(separator: ".").last.map(String.init) ?? path)")
            return nil
        }
        var entries: [(String, Node, Node)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                fail(keyNode, "keys in \(path) must be plain names")
                continue
            }
            if !allowed.isEmpty, !allowed.contains(key) {
                fail(keyNode, "unknown key '\(key)' in \(path)", hint: Suggestion.hint(for: key, in: allowed))
                continue
            }
            entries.append((key, keyNode, value))
        }
        let table = Table(path: path, node: node, entries: entries)
        for key in required where table[key] == nil {
            fail(anchor ?? node, "\(path) is missing required key '\(key)'", hint: "add `\(key):` under \(path)")
        }
        return table
    }

    /// Reads a mapping whose keys are names chosen by the user (services, people, rotas…).
    func namedEntries(_ node: Node, path: String) -> [(name: String, keyNode: Node, value: Node)] {
        guard let table = table(node, path: path, allowed: []) else { return [] }
        return table.entries.map { ($0.key, $0.keyNode, $0.value) }
    }

    func string(_ node: Node, path: String) -> String? {
        // Any scalar reads as text (an unquoted 18:00 resolves to a YAML 1.1 int, but its text is what we want).
        guard let scalar = node.scalar, tagName(node) != .null else {
            fail(node, "\(path) must be text, not \(describe(node))", hint: isEmpty(node) ? "give it a value" : nil)
            return nil
        }
        return scalar.string
    }

    func int(_ node: Node, path: String, range: ClosedRange<Int>? = nil, hint: String? = nil) -> Int? {
        guard tagName(node) == .int, let value = node.int else {
            fail(node, "\(path) must be a whole number, not \(describe(node))", hint: hint ?? "write digits only, e.g. 8100")
            return nil
        }
        if let range, !range.contains(value) {
            fail(node, "\(path) must be between \(range.lowerBound) and \(range.upperBound), not \(value)", hint: hint)
            return nil
        }
        return value
    }

    func double(_ node: Node, path: String, positive: Bool = true) -> Double? {
        guard tagName(node) == .int || tagName(node) == .float, let value = node.float else {
            fail(node, "\(path) must be a number of seconds, not \(describe(node))", hint: "write e.g. 5 or 0.5")
            return nil
        }
        if positive, value <= 0 {
            fail(node, "\(path) must be greater than 0, not \(node.scalar?.string ?? "")", hint: "write e.g. 5 or 0.5")
            return nil
        }
        return value
    }

    func bool(_ node: Node, path: String) -> Bool? {
        guard tagName(node) == .bool, let value = node.bool else {
            fail(node, "\(path) must be true or false, not \(describe(node))")
            return nil
        }
        return value
    }

    func strings(_ node: Node, path: String) -> [String]? {
        guard let sequence = node.sequence else {
            fail(node, "\(path) must be a list", hint: "write it as [a, b] or as `- a` lines")
            return nil
        }
        var result: [String] = []
        for (index, item) in sequence.enumerated() {
            if let text = string(item, path: "\(path)[\(index)]") { result.append(text) }
        }
        return result
    }

    /// True for an empty (null) scalar, as in `key:` with nothing after it.
    func isEmpty(_ node: Node) -> Bool { tagName(node) == .null }

    /// A short description of a node's value for error messages.
    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): return tagName(node) == .null ? "empty" : "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

extension ConfigReader {
    /// The resolved tag of a node (`int`, `str`, `null`…).
    func tagName(_ node: Node) -> Tag.Name { Tag.Name(rawValue: node.tag.rawValue) }
}
