import Foundation
import Yams

/// Typed readers for step attributes (retry, soft_fail, matrix, fields, agents, env…).
extension PipelineStepParser {
    func readCommandAttributes(_ table: ConfigReader.Table, path: String, into step: inout PipelineStep.Command) {
        if let value = table["env"] { step.env = envMap(value, path: "\(path).env") }
        if let value = table["agents"] { step.agents = agentsMap(value, path: "\(path).agents") }
        if let value = table["if_changed"] { step.ifChanged = globs(value, path: "\(path).if_changed") }
        if let value = table["timeout_in_minutes"] {
            step.timeoutMinutes = reader.int(value, path: "\(path).timeout_in_minutes", range: 1...10_080, hint: "write minutes, e.g. 15")
        }
        if let value = table["retry"] { step.retry = retry(value, path: "\(path).retry") }
        if let value = table["soft_fail"] { step.softFail = softFail(value, path: "\(path).soft_fail") ?? .none }
        if let value = table["priority"] { step.priority = reader.int(value, path: "\(path).priority", hint: "higher runs first, e.g. 1 or -1") ?? 0 }
        if let value = table["artifact_paths"] {
            step.artifactPaths = stringOrList(value, path: "\(path).artifact_paths")
                .flatMap { $0.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
        }
        if let value = table["parallelism"] {
            step.parallelism = reader.int(value, path: "\(path).parallelism", range: 1...500, hint: "the number of copies to run, e.g. 4")
        }
        if let value = table["matrix"] { step.matrix = matrix(value, path: "\(path).matrix") }
        step.concurrency = concurrency(table, path: path)
    }

    private func concurrency(_ table: ConfigReader.Table, path: String) -> PlannedJob.Concurrency? {
        let limitNode = table["concurrency"], groupNode = table["concurrency_group"], methodNode = table["concurrency_method"]
        if limitNode == nil, groupNode == nil, methodNode == nil { return nil }
        guard let limitNode else {
            reader.fail(table.keyNode(groupNode != nil ? "concurrency_group" : "concurrency_method"),
                        "\(path) sets \(groupNode != nil ? "concurrency_group" : "concurrency_method") without concurrency",
                        hint: "add `concurrency: 1` (how many jobs of the group may run at once)")
            return nil
        }
        guard let groupNode else {
            reader.fail(table.keyNode("concurrency"), "\(path).concurrency needs a concurrency_group",
                        hint: "add `concurrency_group: my-app/deploy` naming the jobs that share the limit")
            return nil
        }
        guard let limit = reader.int(limitNode, path: "\(path).concurrency", range: 1...1000),
              let group = reader.string(groupNode, path: "\(path).concurrency_group") else { return nil }
        var method = PlannedJob.Concurrency.Method.ordered
        if let methodNode, let text = reader.string(methodNode, path: "\(path).concurrency_method") {
            if let parsed = PlannedJob.Concurrency.Method(rawValue: text) { method = parsed } else {
                reader.fail(methodNode, "\(path).concurrency_method must be ordered or eager, not '\(text)'",
                            hint: Suggestion.hint(for: text, in: ["ordered", "eager"]))
            }
        }
        return PlannedJob.Concurrency(group: group, limit: limit, method: method)
    }

    func stringOrList(_ node: Node, path: String) -> [String] {
        if node.sequence != nil { return reader.strings(node, path: path) ?? [] }
        return reader.string(node, path: path).map { [$0] } ?? []
    }

    func envMap(_ node: Node, path: String) -> [String: String] {
        var env: [String: String] = [:]
        for (name, _, value) in reader.namedEntries(node, path: path) {
            if let text = reader.string(value, path: "\(path).\(name)") { env[name] = text }
        }
        return env
    }

    /// A mapping of tags, or a list of `key=value` strings.
    func agentsMap(_ node: Node, path: String) -> [String: String] {
        guard let items = node.sequence else { return envMap(node, path: path) }
        var agents: [String: String] = [:]
        for (index, item) in items.enumerated() {
            guard let text = reader.string(item, path: "\(path)[\(index)]") else { continue }
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                reader.fail(item, "\(path)[\(index)] must be key=value, not '\(text)'", hint: "write e.g. queue=deploy")
                continue
            }
            agents[parts[0]] = parts[1]
        }
        return agents
    }

    func dependencies(_ node: Node, path: String) -> [PipelineStep.Dependency] {
        if reader.isEmpty(node) { return [] }
        if node.scalar != nil { return reader.string(node, path: path).map { [.init(step: $0, location: location(node))] } ?? [] }
        if node.mapping != nil { return dependency(node, path: path).map { [$0] } ?? [] }
        guard let items = node.sequence else { return [] }
        return items.enumerated().compactMap { index, item in
            if item.mapping != nil { return dependency(item, path: "\(path)[\(index)]") }
            return reader.string(item, path: "\(path)[\(index)]").map { .init(step: $0, location: location(item)) }
        }
    }

    private func dependency(_ node: Node, path: String) -> PipelineStep.Dependency? {
        let table = stepTable(node, kind: "depends_on", allowed: ["step", "allow_failure"], path: path)
        guard let stepNode = table["step"] else {
            reader.fail(node, "\(path) is missing 'step'", hint: "write {step: KEY, allow_failure: true}")
            return nil
        }
        guard let key = reader.string(stepNode, path: "\(path).step") else { return nil }
        let allow = table["allow_failure"].flatMap { reader.bool($0, path: "\(path).allow_failure") } ?? false
        return .init(step: key, allowFailure: allow, location: location(stepNode))
    }

    func condition(_ node: Node, path: String) -> PipelineCondition? {
        guard let text = reader.string(node, path: path) else { return nil }
        do { return try PipelineCondition(text) } catch {
            var place = reader.location(node)
            if case .scalar(let scalar) = node, !text.contains("\n") {
                let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
                place.column += error.offset - 1 + (quoted ? 1 : 0)
            }
            fail(at: place, "\(path): \(error.message)", hint: error.hint)
            return nil
        }
    }

    func branches(_ node: Node, path: String) -> BranchFilter? {
        let patterns = stringOrList(node, path: path).flatMap { $0.split(whereSeparator: \.isWhitespace).map(String.init) }
        if patterns.isEmpty { reader.fail(node, "\(path) must name at least one branch pattern", hint: "write e.g. \"main release/*\"") }
        return BranchFilter(patterns: patterns)
    }

    private func globs(_ node: Node, path: String) -> [ChangedFileGlob] {
        var result: [ChangedFileGlob] = []
        for pattern in stringOrList(node, path: path) {
            do { result.append(try ChangedFileGlob(pattern)) } catch {
                reader.fail(node, "\(path) '\(pattern)': \(error.message)", hint: "write a glob such as src/**/*.swift")
            }
        }
        return result
    }

    func deploy(_ node: Node, path: String) -> String? {
        guard node.mapping != nil else {
            reader.fail(node, "\(path) must be a mapping", hint: "write `deploy: {environment: test}`")
            return nil
        }
        let table = stepTable(node, kind: "deploy", allowed: ["environment"], path: path)
        guard let value = table["environment"] else {
            reader.fail(node, "\(path) is missing 'environment'", hint: "write `deploy: {environment: test}`")
            return nil
        }
        return reader.string(value, path: "\(path).environment")
    }

    // MARK: retry and soft_fail

    private func retry(_ node: Node, path: String) -> RetryPolicy {
        var policy = RetryPolicy()
        guard node.mapping != nil else {
            reader.fail(node, "\(path) must be a mapping", hint: "write `retry: {automatic: true}`")
            return policy
        }
        let table = stepTable(node, kind: "retry", allowed: ["automatic", "manual"], path: path)
        if let value = table["automatic"] {
            let autoPath = "\(path).automatic"
            if value.scalar != nil {
                if reader.bool(value, path: autoPath) == true { policy.automatic = [.init(exitStatuses: nil, limit: 2)] }
            } else if let items = value.sequence {
                policy.automatic = items.enumerated().compactMap { retryRule($1, path: "\(autoPath)[\($0)]") }
            } else {
                policy.automatic = retryRule(value, path: autoPath).map { [$0] } ?? []
            }
        }
        if let value = table["manual"] {
            let manualPath = "\(path).manual"
            if value.mapping != nil {
                let manual = stepTable(value, kind: "retry.manual", allowed: ["allowed", "reason"], path: manualPath)
                if let allowed = manual["allowed"] { policy.manualAllowed = reader.bool(allowed, path: "\(manualPath).allowed") ?? true }
                if let reason = manual["reason"] { _ = reader.string(reason, path: "\(manualPath).reason") }
            } else {
                policy.manualAllowed = reader.bool(value, path: manualPath) ?? true
            }
        }
        return policy
    }

    private func retryRule(_ node: Node, path: String) -> RetryPolicy.Rule? {
        guard node.mapping != nil else {
            reader.fail(node, "\(path) must be a mapping", hint: "write {exit_status: 1, limit: 2}")
            return nil
        }
        let table = stepTable(node, kind: "retry rule", allowed: ["exit_status", "limit"], path: path)
        let statuses = table["exit_status"].flatMap { exitStatuses($0, path: "\(path).exit_status") } ?? nil
        let limit = table["limit"].flatMap { reader.int($0, path: "\(path).limit", range: 0...10, hint: "Buildkite allows 0 to 10") } ?? 2
        return .init(exitStatuses: statuses, limit: limit)
    }

    /// nil inside: any status (`"*"`); nil outside: the value was wrong (already reported).
    private func exitStatuses(_ node: Node, path: String) -> [Int32]?? {
        if node.scalar?.string == "*" { return .some(nil) }
        let items = node.sequence ?? [node]
        var statuses: [Int32] = []
        for (index, item) in items.enumerated() {
            if item.scalar?.string == "*" { return .some(nil) }
            let itemPath = node.sequence == nil ? path : "\(path)[\(index)]"
            guard let status = reader.int(item, path: itemPath, range: -255...255, hint: "write an exit status such as 1, or \"*\" for any") else {
                return nil
            }
            statuses.append(Int32(status))
        }
        return .some(statuses)
    }

    func softFail(_ node: Node, path: String) -> SoftFail? {
        if node.scalar != nil { return reader.bool(node, path: path).map { $0 ? .all : SoftFail.none } }
        guard let items = node.sequence else {
            reader.fail(node, "\(path) must be true, false or a list of {exit_status: N}", hint: "write e.g. [{exit_status: 1}]")
            return nil
        }
        var statuses: [Int32] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            guard item.mapping != nil else {
                reader.fail(item, "\(itemPath) must be {exit_status: N}", hint: "write e.g. {exit_status: 1}")
                continue
            }
            let table = stepTable(item, kind: "soft_fail", allowed: ["exit_status"], path: itemPath)
            guard let value = table["exit_status"] else { reader.fail(item, "\(itemPath) is missing 'exit_status'"); continue }
            switch exitStatuses(value, path: "\(itemPath).exit_status") {
            case .some(.none): return .all
            case .some(.some(let list)): statuses += list
            case .none: continue
            }
        }
        return .exitStatuses(statuses)
    }
}
