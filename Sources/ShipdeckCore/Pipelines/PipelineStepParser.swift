import Foundation
import Yams

/// Reads the steps of one pipeline file; `ConfigReader` does the typed reads, this adds the step rules.
/// One instance parses one file and is then discarded.
final class PipelineStepParser {
    typealias Step = PipelineStep

    static let identityKeys = ["key", "id", "identifier"]
    static let commonKeys = identityKeys + ["label", "name", "depends_on", "allow_dependency_failure", "if", "branches"]
    static let commandKeys = commonKeys + ["command", "commands", "env", "agents", "if_changed", "timeout_in_minutes", "retry", "soft_fail",
                                           "concurrency", "concurrency_group", "concurrency_method", "priority", "artifact_paths",
                                           "parallelism", "matrix", "deploy"]
    static let waitKeys = identityKeys + ["wait", "continue_on_failure", "if", "depends_on", "allow_dependency_failure", "branches"]
    static let blockKeys = commonKeys + ["block", "prompt", "fields", "blocked_state"]
    static let inputKeys = commonKeys + ["input", "prompt", "fields"]
    static let triggerKeys = commonKeys + ["trigger", "build", "async"]
    static let groupKeys = identityKeys + ["group", "label", "name", "depends_on", "allow_dependency_failure", "if", "steps"]
    static let allStepKeys = Set(commandKeys + waitKeys + blockKeys + inputKeys + triggerKeys + groupKeys)
    static let kindKeys = ["command", "commands", "wait", "block", "input", "trigger", "group"]

    let reader: ConfigReader
    let yaml: PipelineYAML
    private var extraErrors: [ShipdeckError] = []
    /// Every step key with where it was written, in file order (duplicates included).
    private(set) var keyNodes: [(key: String, node: Node)] = []

    init(yaml: PipelineYAML) {
        self.yaml = yaml
        reader = ConfigReader(file: yaml.file)
    }

    var errors: [ShipdeckError] { reader.errors + extraErrors }

    func fail(at location: SourceLocation, _ message: String, hint: String? = nil) {
        extraErrors.append(ShipdeckError(.config, message, at: location, hint: hint))
    }

    func location(_ node: Node?) -> PipelineLocation {
        let place = reader.location(node)
        return PipelineLocation(file: place.file, line: place.line, column: place.column)
    }

    // MARK: top level

    func parseRoot(_ root: Node) -> PipelineDefinition? {
        guard let mapping = root.mapping else {
            reader.fail(root, "the pipeline must be a mapping with a `steps:` list", hint: "start with `steps:`")
            return nil
        }
        var top: [String: Node] = [:]
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else { reader.fail(keyNode, "top-level keys must be plain names"); continue }
            if PipelineParser.topLevelKeys.contains(key) { top[key] = value; continue }
            if holdsOnlyAnchors(value) { continue }
            if PipelineParser.unsupportedKeys.contains(key) {
                reader.fail(keyNode, "'\(key)' is not supported by Shipdeck yet", hint: "remove it; Shipdeck refuses keys it would otherwise ignore")
            } else if key == "steps" || Self.allStepKeys.contains(key) {
                reader.fail(keyNode, "'\(key)' belongs to a step, not the top level", hint: "put it on a step under steps:")
            } else {
                let close = Suggestion.closest(to: key, in: PipelineParser.topLevelKeys)
                reader.fail(keyNode, "unknown top-level key '\(key)'",
                            hint: close.map { "did you mean '\($0)'?" } ?? "expected steps, env or agents; other top-level keys may only hold YAML anchors (&name)")
            }
        }
        let env = top["env"].map { envMap($0, path: "env") } ?? [:]
        let agents = top["agents"].map { agentsMap($0, path: "agents") } ?? [:]
        guard let stepsNode = top["steps"] else {
            reader.fail(root, "the pipeline has no `steps:`", hint: "add `steps:` with a list of steps")
            return nil
        }
        let steps = stepList(stepsNode, path: "steps", inGroup: false)
        if stepsNode.sequence?.isEmpty == true { reader.fail(stepsNode, "steps must list at least one step") }
        return PipelineDefinition(file: yaml.file, env: env, agents: agents, steps: steps)
    }

    private func holdsOnlyAnchors(_ node: Node) -> Bool {
        if yaml.hasAnchor(node) { return true }
        switch node {
        case .sequence(let items): return !items.isEmpty && items.allSatisfy(yaml.hasAnchor)
        case .mapping(let mapping): return mapping.count > 0 && mapping.allSatisfy { yaml.hasAnchor($0.value) }
        default: return false
        }
    }

    // MARK: steps

    func stepList(_ node: Node, path: String, inGroup: Bool) -> [Step] {
        guard let items = node.sequence else {
            reader.fail(node, "\(path) must be a list of steps", hint: "write each step as a `- ` line")
            return []
        }
        var steps: [Step] = []
        for (index, item) in items.enumerated() {
            if let step = step(item, path: "\(path)[\(index)]", inGroup: inGroup) { steps.append(step) }
        }
        return steps
    }

    private func step(_ node: Node, path: String, inGroup: Bool) -> Step? {
        if let scalar = node.scalar, reader.tagName(node) != .null {
            switch scalar.string {
            case "wait", "waiter": return .wait(Step.Wait(common: Step.Common(location: location(node))))
            case "block": return .block(Step.Block(common: Step.Common(label: "block", location: location(node))))
            case "input": return .block(Step.Block(common: Step.Common(label: "input", location: location(node)), isInput: true))
            default:
                reader.fail(node, "a step written as text must be 'wait', 'block' or 'input', not '\(scalar.string)'",
                            hint: Suggestion.closest(to: scalar.string, in: ["wait", "block", "input"]).map { "did you mean '\($0)'?" }
                                ?? "write a command step as `- command: \(scalar.string)`")
                return nil
            }
        }
        guard let mapping = node.mapping else {
            reader.fail(node, "\(path) must be a step (a mapping, or 'wait'), not \(reader.describe(node))")
            return nil
        }
        let present = mapping.compactMap { $0.key.scalar?.string }
        let kinds = Array(Set(present.filter { Self.kindKeys.contains($0) }.map { $0 == "commands" ? "command" : $0 })).sorted()
        if kinds.count > 1 {
            reader.fail(node, "\(path) is both a \(kinds.joined(separator: " and a ")) step", hint: "split it into separate steps")
            return nil
        }
        switch kinds.first {
        case "wait": return waitStep(node, path: path)
        case "block": return blockStep(node, path: path, input: false)
        case "input": return blockStep(node, path: path, input: true)
        case "trigger": return triggerStep(node, path: path)
        case "group":
            if inGroup {
                reader.fail(node, "groups cannot be nested", hint: "move this group to the top-level steps")
                return nil
            }
            return groupStep(node, path: path)
        default: return commandStep(node, path: path)
        }
    }

    /// Checks a step's keys: unsupported Buildkite keys, keys of another step kind, and typos are refused.
    func stepTable(_ node: Node, kind: String, allowed: [String], path: String) -> ConfigReader.Table {
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, value) in node.mapping ?? [:] {
            guard let key = keyNode.scalar?.string else { reader.fail(keyNode, "keys in \(path) must be plain names"); continue }
            if allowed.contains(key) { entries.append((key, keyNode, value)); continue }
            if PipelineParser.unsupportedKeys.contains(key) {
                reader.fail(keyNode, "'\(key)' is not supported by Shipdeck yet", hint: unsupportedHint(key))
            } else if Self.allStepKeys.contains(key) {
                reader.fail(keyNode, "'\(key)' is not allowed on a \(kind) step", hint: "remove it, or move it to a step that takes it")
            } else {
                reader.fail(keyNode, "unknown key '\(key)' in \(path)", hint: Suggestion.hint(for: key, in: allowed))
            }
        }
        return ConfigReader.Table(path: path, node: node, entries: entries)
    }

    private func unsupportedHint(_ key: String) -> String {
        switch key {
        case "plugins": return "plugins do not run in Shipdeck yet; write the equivalent shell in `command:`"
        case "skip": return "remove the step, or guard it with `if:`"
        default: return "remove it; Shipdeck refuses keys it would otherwise ignore"
        }
    }

    /// `key`/`id`/`identifier`, `label`/`name`, `depends_on`, `allow_dependency_failure`, `if`, `branches`.
    func common(_ table: ConfigReader.Table, path: String, label: String? = nil) -> Step.Common {
        var common = Step.Common(label: label, location: location(table.node))
        let identities = Self.identityKeys.filter { table[$0] != nil }
        if identities.count > 1 {
            reader.fail(table.keyNode(identities[1]), "\(path) has both '\(identities[0])' and '\(identities[1])'", hint: "keep only `key:`")
        }
        if let name = identities.first, let node = table[name], let key = reader.string(node, path: "\(path).\(name)") {
            if key.isEmpty { reader.fail(node, "\(path).\(name) must not be empty") } else {
                common.key = key
                keyNodes.append((key, node))
            }
        }
        if table["label"] != nil, table["name"] != nil {
            reader.fail(table.keyNode("name"), "\(path) has both 'label' and 'name'", hint: "keep `label:`; `name:` is its old spelling")
        }
        if let node = table["label"] ?? table["name"], let text = reader.string(node, path: "\(path).label") { common.label = text }
        if let node = table["depends_on"] { common.dependsOn = dependencies(node, path: "\(path).depends_on") }
        if let node = table["allow_dependency_failure"] {
            common.allowDependencyFailure = reader.bool(node, path: "\(path).allow_dependency_failure") ?? false
        }
        if let node = table["if"] { common.condition = condition(node, path: "\(path).if") }
        if let node = table["branches"] { common.branches = branches(node, path: "\(path).branches") }
        return common
    }

    private func waitStep(_ node: Node, path: String) -> Step? {
        var table = stepTable(node, kind: "wait", allowed: Self.waitKeys, path: path)
        var label: String?
        if let value = table["wait"] {
            if value.mapping != nil {
                // `wait: {continue_on_failure: true}` holds the attributes itself.
                let inner = stepTable(value, kind: "wait", allowed: Self.waitKeys.filter { $0 != "wait" }, path: "\(path).wait")
                table = ConfigReader.Table(path: path, node: node, entries: table.entries.filter { $0.key != "wait" } + inner.entries)
            } else if !reader.isEmpty(value) {
                label = reader.string(value, path: "\(path).wait")
            }
        }
        var wait = Step.Wait(common: common(table, path: path, label: label))
        if let value = table["continue_on_failure"] { wait.continueOnFailure = reader.bool(value, path: "\(path).continue_on_failure") ?? false }
        return .wait(wait)
    }

    private func blockStep(_ node: Node, path: String, input: Bool) -> Step? {
        let kind = input ? "input" : "block"
        let table = stepTable(node, kind: kind, allowed: input ? Self.inputKeys : Self.blockKeys, path: path)
        let label = table[kind].flatMap { reader.isEmpty($0) ? nil : reader.string($0, path: "\(path).\(kind)") }
        var block = Step.Block(common: common(table, path: path, label: label), isInput: input)
        if block.common.label == nil { block.common.label = kind }
        if let value = table["prompt"] { block.prompt = reader.string(value, path: "\(path).prompt") }
        if let value = table["fields"] { block.fields = fields(value, path: "\(path).fields") }
        if let value = table["blocked_state"], let state = reader.string(value, path: "\(path).blocked_state") {
            let states = ["passed", "failed", "running"]
            if states.contains(state) { block.blockedState = state } else {
                reader.fail(value, "\(path).blocked_state must be passed, failed or running, not '\(state)'", hint: Suggestion.hint(for: state, in: states))
            }
        }
        return .block(block)
    }

    private func triggerStep(_ node: Node, path: String) -> Step? {
        let table = stepTable(node, kind: "trigger", allowed: Self.triggerKeys, path: path)
        let service = table["trigger"].flatMap { reader.string($0, path: "\(path).trigger") } ?? ""
        if service.isEmpty, let value = table["trigger"] {
            reader.fail(value, "\(path).trigger must name the service whose pipeline to build", hint: "write e.g. `trigger: payments`")
        }
        var trigger = PlannedJob.Trigger(service: service, async: false)
        if let value = table["async"] { trigger.async = reader.bool(value, path: "\(path).async") ?? false }
        if let value = table["build"], let build = reader.table(value, path: "\(path).build", allowed: []) {
            let buildPath = "\(path).build"
            let checked = stepTable(build.node, kind: "trigger build", allowed: ["commit", "branch", "message", "env"], path: buildPath)
            trigger.commit = checked["commit"].flatMap { reader.string($0, path: "\(buildPath).commit") }
            trigger.branch = checked["branch"].flatMap { reader.string($0, path: "\(buildPath).branch") }
            trigger.message = checked["message"].flatMap { reader.string($0, path: "\(buildPath).message") }
            trigger.env = checked["env"].map { envMap($0, path: "\(buildPath).env") } ?? [:]
        }
        let common = common(table, path: path, label: nil)
        return .trigger(Step.Trigger(common: common, trigger: trigger))
    }

    private func groupStep(_ node: Node, path: String) -> Step? {
        let table = stepTable(node, kind: "group", allowed: Self.groupKeys, path: path)
        let label = table["group"].flatMap { reader.isEmpty($0) ? nil : reader.string($0, path: "\(path).group") }
        let common = common(table, path: path, label: label)
        guard let stepsNode = table["steps"] else {
            reader.fail(node, "\(path) is a group without `steps:`", hint: "list the group's steps under `steps:`")
            return nil
        }
        let steps = stepList(stepsNode, path: "\(path).steps", inGroup: true)
        if stepsNode.sequence?.isEmpty == true { reader.fail(stepsNode, "\(path).steps must list at least one step") }
        return .group(Step.Group(common: common, steps: steps))
    }

    private func commandStep(_ node: Node, path: String) -> Step? {
        let table = stepTable(node, kind: "command", allowed: Self.commandKeys, path: path)
        if table["command"] != nil, table["commands"] != nil {
            reader.fail(table.keyNode("commands"), "\(path) has both 'command' and 'commands'", hint: "keep one of them")
        }
        var commands: [String] = []
        if let value = table["command"] ?? table["commands"] { commands = stringOrList(value, path: "\(path).command") }
        var step = Step.Command(common: common(table, path: path), commands: commands)
        if let value = table["deploy"] { step.deployEnvironment = deploy(value, path: "\(path).deploy") }
        // A misspelt `comand:` is reported as an unknown key with its did-you-mean; "no command" would only mislead.
        let misspelt = node.mapping?.keys.contains { key in
            key.string.map { $0 != "command" && $0 != "commands" && Suggestion.closest(to: $0, in: ["command", "commands"]) != nil } ?? false
        } ?? false
        if table["command"] == nil, table["commands"] == nil, table["deploy"] == nil, !misspelt {
            reader.fail(node, "\(path) has no command", hint: "add `command:`, or make it a wait, block, input, trigger or group step")
        }
        readCommandAttributes(table, path: path, into: &step)
        return .command(step)
    }
}
