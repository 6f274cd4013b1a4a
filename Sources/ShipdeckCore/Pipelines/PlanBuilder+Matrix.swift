import Foundation

/// `matrix` and `parallelism` expansion of a command step, with `{{matrix}}` interpolation.
extension PlanBuilder {
    /// One matrix combination (dimension name → value; "" for the list form) and its soft-fail override.
    struct Combination {
        var values: [String: String]
        var softFail: SoftFail?
    }

    func expand(_ step: PipelineStep.Command, base: String, group: String?) -> [PlannedJob] {
        let common = step.common
        let dimensions = step.matrix?.dimensions ?? []
        let combinations = step.matrix.map(Self.combinations) ?? [Combination(values: [:])]
        let count = step.parallelism ?? 1
        let defaultLabel = common.label ?? step.commands.first ?? step.deployEnvironment.map { "Deploy to \($0)" } ?? base
        var result: [PlannedJob] = []
        for combination in combinations {
            let values = dimensions.compactMap { combination.values[$0.name] }
            let suffix = values.isEmpty ? "" : "-" + values.map(Self.slug).joined(separator: "-")
            var label = Self.interpolate(defaultLabel, combination.values)
            if !values.isEmpty, !defaultLabel.contains("{{") { label += " (\(values.joined(separator: ", ")))" }
            let env = definition.env.merging(step.env.mapValues { Self.interpolate($0, combination.values) }) { $1 }
            let agents = definition.agents.merging(step.agents.mapValues { Self.interpolate($0, combination.values) }) { $1 }
            let commands = step.commands.map { Self.interpolate($0, combination.values) }
            for index in 0..<count {
                let parallel = step.parallelism.map { PlannedJob.Parallel(index: index, count: $0) }
                result.append(PlannedJob(
                    id: base + suffix + (parallel.map { "-\($0.index)" } ?? ""), stepKey: common.key,
                    label: label + (parallel.map { " \($0.index + 1)/\($0.count)" } ?? ""), group: group,
                    kind: .command(commands: commands, deploy: step.deployEnvironment), env: env, agents: agents,
                    timeoutMinutes: step.timeoutMinutes, retry: step.retry, softFail: combination.softFail ?? step.softFail,
                    concurrency: step.concurrency, priority: step.priority, artifactPaths: step.artifactPaths, parallel: parallel))
            }
        }
        return result
    }

    /// The cartesian product of the dimensions (first dimension outermost), then `adjustments`.
    static func combinations(_ matrix: PipelineStep.Matrix) -> [Combination] {
        var result: [Combination] = [Combination(values: [:])]
        for dimension in matrix.dimensions {
            result = result.flatMap { partial in
                dimension.values.map { value in Combination(values: partial.values.merging([dimension.name: value]) { $1 }) }
            }
        }
        for adjustment in matrix.adjustments {
            if let index = result.firstIndex(where: { $0.values == adjustment.with }) {
                if adjustment.skip { result.remove(at: index) } else if let softFail = adjustment.softFail { result[index].softFail = softFail }
            } else if !adjustment.skip {
                result.append(Combination(values: adjustment.with, softFail: adjustment.softFail))
            }
        }
        return result
    }

    /// Replaces `{{matrix}}` and `{{matrix.NAME}}` (spaces inside the braces allowed) with the combination's values.
    static func interpolate(_ text: String, _ values: [String: String]) -> String {
        guard !values.isEmpty, text.contains("{{") else { return text }
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else { rest = rest[open.lowerBound...]; break }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if name == "matrix", let value = values[""] {
                output += value
            } else if name.hasPrefix("matrix."), let value = values[String(name.dropFirst("matrix.".count))] {
                output += value
            } else {
                output += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        return output + rest
    }

    /// A value made safe for a job id: letters, digits, '.', '_' and '-'.
    static func slug(_ value: String) -> String {
        let mapped = value.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" ? $0 : "-" }
        return String(mapped).isEmpty ? "x" : String(mapped)
    }
}
