import Foundation

/// Checks the step graph of a parsed pipeline: duplicate step keys, `depends_on` targets that do not
/// exist, and dependency cycles (a group counts as all of its steps, and its `depends_on` as theirs).
struct PipelineGraphCheck {
    let parser: PipelineStepParser

    func check(_ definition: PipelineDefinition) {
        var firstAt: [String: PipelineLocation] = [:]
        for (key, node) in parser.keyNodes {
            if let first = firstAt[key] {
                parser.reader.fail(node, "step key '\(key)' is used twice", hint: "first used at \(first.file):\(first.line):\(first.column); keys must be unique")
            } else {
                firstAt[key] = parser.location(node)
            }
        }
        // Vertices: every step in file order; a group's vertex stands for its steps.
        var vertices: [(step: PipelineStep, group: Int?)] = []
        for step in definition.steps {
            let index = vertices.count
            vertices.append((step, nil))
            if case .group(let group) = step { for child in group.steps { vertices.append((child, index)) } }
        }
        var byKey: [String: Int] = [:]
        for (index, vertex) in vertices.enumerated() { if let key = vertex.step.common.key, byKey[key] == nil { byKey[key] = index } }
        let keys = byKey.keys.sorted()
        var edges = [[Int]](repeating: [], count: vertices.count)
        for (index, vertex) in vertices.enumerated() {
            for dependency in vertex.step.common.dependsOn ?? [] {
                guard let target = byKey[dependency.step] else {
                    let place = dependency.location
                    parser.fail(at: SourceLocation(file: place.file, line: place.line, column: place.column),
                                "depends_on names '\(dependency.step)', which no step has as its key",
                                hint: keys.isEmpty ? "give the step a `key:`" : Suggestion.hint(for: dependency.step, in: keys))
                    continue
                }
                edges[index].append(target)
            }
        }
        // A group's depends_on applies to each of its steps; depending on a group means depending on all of them.
        let explicit = edges
        for (index, vertex) in vertices.enumerated() {
            if let group = vertex.group {
                edges[index].append(contentsOf: explicit[group])
                edges[group].append(index)
            }
        }
        if let cycle = GraphCycle.find(edges) {
            let names = cycle.map { name(vertices[$0].step, index: $0) }
            let start = vertices[cycle[0]].step.common.location
            parser.fail(at: SourceLocation(file: start.file, line: start.line, column: start.column),
                        "depends_on cycle: " + (names + [names[0]]).joined(separator: " → "),
                        hint: "remove one of these dependencies")
        }
    }

    private func name(_ step: PipelineStep, index: Int) -> String {
        if let key = step.common.key { return key }
        return step.common.label.map { "'\($0)'" } ?? "step \(index + 1)"
    }

}

/// Depth-first search for a cycle in a directed graph given as adjacency lists.
enum GraphCycle {
    /// One cycle as a list of vertices, or nil.
    static func find(_ edges: [[Int]]) -> [Int]? {
        var state = [UInt8](repeating: 0, count: edges.count)  // 0 new, 1 on stack, 2 done
        var stack: [Int] = []
        func visit(_ vertex: Int) -> [Int]? {
            state[vertex] = 1
            stack.append(vertex)
            for next in edges[vertex] {
                if state[next] == 1, let start = stack.firstIndex(of: next) { return Array(stack[start...]) }
                if state[next] == 0, let cycle = visit(next) { return cycle }
            }
            stack.removeLast()
            state[vertex] = 2
            return nil
        }
        for vertex in edges.indices where state[vertex] == 0 { if let cycle = visit(vertex) { return cycle } }
        return nil
    }
}
