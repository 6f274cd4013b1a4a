import Foundation
import Yams

/// Readers for `block`/`input` fields and `matrix`.
extension PipelineStepParser {
    /// At most this many matrix combinations per step.
    static let maximumMatrixJobs = 500

    func fields(_ node: Node, path: String) -> [PlannedJob.Field] {
        guard let items = node.sequence else {
            reader.fail(node, "\(path) must be a list of fields", hint: "write `- text: Reason` / `key: reason` entries")
            return []
        }
        var result: [PlannedJob.Field] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard item.mapping != nil else { reader.fail(item, "\(itemPath) must be a mapping with `text:` or `select:`"); continue }
            let table = stepTable(item, kind: "field", allowed: ["text", "select", "key", "required", "default", "hint", "options", "multiple"],
                                  path: itemPath)
            let isSelect = table["select"] != nil
            guard let labelNode = table["text"] ?? table["select"] else {
                reader.fail(item, "\(itemPath) needs `text:` or `select:`", hint: "write `text: Release notes` or `select: Region`")
                continue
            }
            if table["text"] != nil, isSelect { reader.fail(table.keyNode("select"), "\(itemPath) has both 'text' and 'select'") }
            guard let keyNode = table["key"] else { reader.fail(item, "\(itemPath) is missing 'key'", hint: "add `key: release-notes`"); continue }
            guard let label = reader.string(labelNode, path: itemPath), let key = reader.string(keyNode, path: "\(itemPath).key") else { continue }
            if key.range(of: "^[A-Za-z0-9_/-]+$", options: .regularExpression) == nil {
                reader.fail(keyNode, "\(itemPath).key '\(key)' may only hold letters, digits, '_', '-' and '/'")
            }
            var field = PlannedJob.Field(key: key, label: label, kind: isSelect ? .select : .text)
            if let value = table["required"] { field.required = reader.bool(value, path: "\(itemPath).required") ?? true }
            if let value = table["hint"] { field.hint = reader.string(value, path: "\(itemPath).hint") }
            if let value = table["multiple"] {
                if !isSelect { reader.fail(table.keyNode("multiple"), "'multiple' is only allowed on select fields") }
                field.multiple = reader.bool(value, path: "\(itemPath).multiple") ?? false
            }
            if let value = table["default"] {
                field.defaultValue = value.sequence != nil ? reader.strings(value, path: "\(itemPath).default")?.joined(separator: ",")
                    : reader.string(value, path: "\(itemPath).default")
            }
            if let value = table["options"] {
                if !isSelect { reader.fail(table.keyNode("options"), "'options' is only allowed on select fields") }
                field.options = options(value, path: "\(itemPath).options")
            } else if isSelect {
                reader.fail(item, "\(itemPath) is a select without 'options'", hint: "add `options: [{label: EU, value: eu}]`")
            }
            if isSelect, let defaultValue = field.defaultValue, !field.options.isEmpty {
                for chosen in defaultValue.split(separator: ",").map(String.init) where !field.options.contains(where: { $0.value == chosen }) {
                    reader.fail(table["default"], "\(itemPath).default '\(chosen)' is not one of the options",
                                hint: Suggestion.hint(for: chosen, in: field.options.map(\.value)))
                }
            }
            if result.contains(where: { $0.key == key }) { reader.fail(keyNode, "field key '\(key)' is used twice in \(path)") }
            result.append(field)
        }
        return result
    }

    private func options(_ node: Node, path: String) -> [PlannedJob.Option] {
        guard let items = node.sequence else { reader.fail(node, "\(path) must be a list"); return [] }
        return items.enumerated().compactMap { index, item in
            let itemPath = "\(path)[\(index)]"
            guard item.mapping != nil else { reader.fail(item, "\(itemPath) must be {label: …, value: …}"); return nil }
            let table = stepTable(item, kind: "option", allowed: ["label", "value"], path: itemPath)
            guard let valueNode = table["value"] else { reader.fail(item, "\(itemPath) is missing 'value'"); return nil }
            guard let value = reader.string(valueNode, path: "\(itemPath).value") else { return nil }
            let label = table["label"].flatMap { reader.string($0, path: "\(itemPath).label") } ?? value
            return PlannedJob.Option(label: label, value: value)
        }
    }

    // MARK: matrix

    func matrix(_ node: Node, path: String) -> PipelineStep.Matrix? {
        if node.sequence != nil { return PipelineStep.Matrix(dimensions: [.init(name: "", values: values(node, path: path))]) }
        guard node.mapping != nil else {
            reader.fail(node, "\(path) must be a list of values or a mapping with `setup:`")
            return nil
        }
        let table = stepTable(node, kind: "matrix", allowed: ["setup", "adjustments"], path: path)
        guard let setup = table["setup"] else { reader.fail(node, "\(path) is missing 'setup'", hint: "add `setup:` with the dimensions"); return nil }
        var dimensions: [PipelineStep.Matrix.Dimension] = []
        if setup.sequence != nil {
            dimensions = [.init(name: "", values: values(setup, path: "\(path).setup"))]
        } else if setup.mapping != nil {
            for (name, keyNode, value) in reader.namedEntries(setup, path: "\(path).setup") {
                if name.range(of: "^[A-Za-z0-9_]+$", options: .regularExpression) == nil {
                    reader.fail(keyNode, "matrix dimension '\(name)' may only hold letters, digits and '_'")
                }
                dimensions.append(.init(name: name, values: values(value, path: "\(path).setup.\(name)")))
            }
        } else {
            reader.fail(setup, "\(path).setup must be a list or a mapping of dimensions")
        }
        if dimensions.isEmpty { return nil }
        let total = dimensions.reduce(1) { $0 * max(1, $1.values.count) }
        if total > Self.maximumMatrixJobs {
            reader.fail(setup, "\(path) makes \(total) jobs, more than \(Self.maximumMatrixJobs)", hint: "use fewer dimensions or values")
            return nil
        }
        var matrix = PipelineStep.Matrix(dimensions: dimensions)
        if let value = table["adjustments"] { matrix.adjustments = adjustments(value, dimensions: dimensions, path: "\(path).adjustments") }
        return matrix
    }

    private func values(_ node: Node, path: String) -> [String] {
        guard let items = node.sequence else { reader.fail(node, "\(path) must be a list of values", hint: "write e.g. [linux, macos]"); return [] }
        if items.isEmpty { reader.fail(node, "\(path) must list at least one value") }
        let result = items.enumerated().compactMap { index, item in reader.string(item, path: "\(path)[\(index)]") }
        if Set(result).count != result.count { reader.fail(node, "\(path) lists a value twice") }
        return result
    }

    private func adjustments(_ node: Node, dimensions: [PipelineStep.Matrix.Dimension], path: String) -> [PipelineStep.Matrix.Adjustment] {
        guard let items = node.sequence else { reader.fail(node, "\(path) must be a list"); return [] }
        let names = dimensions.map(\.name)
        return items.enumerated().compactMap { index, item in
            let itemPath = "\(path)[\(index)]"
            guard item.mapping != nil else { reader.fail(item, "\(itemPath) must be a mapping with `with:`"); return nil }
            let table = stepTable(item, kind: "adjustment", allowed: ["with", "skip", "soft_fail"], path: itemPath)
            guard let withNode = table["with"] else { reader.fail(item, "\(itemPath) is missing 'with'"); return nil }
            var combination: [String: String] = [:]
            if names == [""] {
                guard let value = reader.string(withNode, path: "\(itemPath).with") else { return nil }
                combination[""] = value
            } else {
                for (name, keyNode, value) in reader.namedEntries(withNode, path: "\(itemPath).with") {
                    guard names.contains(name) else {
                        reader.fail(keyNode, "'\(name)' is not a dimension of this matrix", hint: Suggestion.hint(for: name, in: names))
                        continue
                    }
                    combination[name] = reader.string(value, path: "\(itemPath).with.\(name)")
                }
                let missing = names.filter { combination[$0] == nil }
                if !missing.isEmpty, withNode.mapping != nil {
                    reader.fail(withNode, "\(itemPath).with must give every dimension; missing: \(missing.joined(separator: ", "))")
                    return nil
                }
            }
            var adjustment = PipelineStep.Matrix.Adjustment(with: combination)
            if let value = table["skip"] {
                // Buildkite takes true/false or a reason text (which means true).
                adjustment.skip = reader.tagName(value) == .bool ? (value.bool ?? false) : reader.string(value, path: "\(itemPath).skip") != nil
            }
            if let value = table["soft_fail"] { adjustment.softFail = softFail(value, path: "\(itemPath).soft_fail") }
            return adjustment
        }
    }
}
