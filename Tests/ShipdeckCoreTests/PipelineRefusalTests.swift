import Foundation
import Testing
@testable import ShipdeckCore

/// Every way a pipeline file is refused, with the exact file:line:column printed.
@Suite struct PipelineRefusalTests {
    typealias F = PipelineFixtures

    @Test func refusesPluginsNamingTheKey() {
        let errors = F.errors(["steps:", "  - command: make", "    plugins:", "      - docker#v5.0.0: {image: node}"])
        #expect(errors == ["pipeline.yml:3:5: 'plugins' is not supported by Shipdeck yet (plugins do not run in Shipdeck yet; write the equivalent shell in `command:`)"])
    }

    @Test func refusesOtherUnsupportedBuildkiteKeys() {
        #expect(F.errors(["notify: [{email: a@b.c}]", "steps: [wait]"]).first?.hasPrefix("pipeline.yml:1:1: 'notify' is not supported by Shipdeck yet") == true)
        #expect(F.errors(["steps:", "  - command: x", "    skip: true"]).first?.hasPrefix("pipeline.yml:3:5: 'skip' is not supported by Shipdeck yet") == true)
        #expect(F.errors(["steps:", "  - command: x", "    cancel_on_build_failing: true"]).first?
            .hasPrefix("pipeline.yml:3:5: 'cancel_on_build_failing' is not supported by Shipdeck yet") == true)
        #expect(F.errors(["steps:", "  - command: x", "    retry: {automatic: {signal_reason: agent_stop}}"]).first?
            .hasPrefix("pipeline.yml:3:25: 'signal_reason' is not supported by Shipdeck yet") == true)
    }

    @Test func refusesUnknownKeysWithDidYouMean() {
        #expect(F.errors(["steps:", "  - command: make", "    lable: Build"])
            == ["pipeline.yml:3:5: unknown key 'lable' in steps[0] (did you mean 'label'?)"])
        #expect(F.errors(["stpes: []"]) == [
            "pipeline.yml:1:1: unknown top-level key 'stpes' (did you mean 'steps'?)",
            "pipeline.yml:1:1: the pipeline has no `steps:` (add `steps:` with a list of steps)",
        ])
    }

    @Test func refusesKeysOfAnotherStepKind() {
        #expect(F.errors(["steps:", "  - trigger: payments", "    soft_fail: true"])
            == ["pipeline.yml:3:5: 'soft_fail' is not allowed on a trigger step (remove it, or move it to a step that takes it)"])
    }

    @Test func refusesWrongTypes() {
        #expect(F.errors(["steps:", "  - command: make", "    timeout_in_minutes: soon"])
            == ["pipeline.yml:3:25: steps[0].timeout_in_minutes must be a whole number, not 'soon' (write minutes, e.g. 15)"])
        #expect(F.errors(["steps:", "  - wait: ~", "    continue_on_failure: maybe"])
            == ["pipeline.yml:3:26: steps[0].continue_on_failure must be true or false, not 'maybe'"])
        #expect(F.errors(["steps: make test"]) == ["pipeline.yml:1:8: steps must be a list of steps (write each step as a `- ` line)"])
        #expect(F.errors(["steps:", "  - command: x", "    agents: [queue]"])
            == ["pipeline.yml:3:14: steps[0].agents[0] must be key=value, not 'queue' (write e.g. queue=deploy)"])
    }

    @Test func refusesDuplicateMappingKeys() {
        #expect(F.errors(["steps:", "  - command: a", "    command: b"])
            == ["pipeline.yml:2:5: key 'command' appears twice in one mapping (keep one of them)"])
    }

    @Test func refusesDuplicateStepKeys() {
        #expect(F.errors(["steps:", "  - {key: a, command: x}", "  - {key: a, command: y}"])
            == ["pipeline.yml:3:11: step key 'a' is used twice (first used at pipeline.yml:2:11; keys must be unique)"])
    }

    @Test func refusesDependsOnUnknownKeys() {
        #expect(F.errors(["steps:", "  - {key: build, command: x}", "  - {command: y, depends_on: biuld}"])
            == ["pipeline.yml:3:30: depends_on names 'biuld', which no step has as its key (did you mean 'build'?)"])
    }

    @Test func refusesDependencyCyclesNamingThem() {
        #expect(F.errors(["steps:", "  - {key: a, command: x, depends_on: c}", "  - {key: b, command: y, depends_on: a}",
                          "  - {key: c, command: z, depends_on: b}"])
            == ["pipeline.yml:2:5: depends_on cycle: a → c → b → a (remove one of these dependencies)"])
        #expect(F.errors(["steps:", "  - group: G", "    key: g", "    steps:", "      - {key: inner, command: x, depends_on: g}"])
            .first?.contains("depends_on cycle: g → inner → g") == true)
    }

    @Test func refusesCyclesThroughWaitInThePlanner() throws {
        let definition = try F.parse(["steps:", "  - {key: a, command: x, depends_on: b}", "  - wait", "  - {key: b, command: y}"])
        #expect(throws: ShipdeckErrors.self) {
            try PipelinePlanner.plan(definition, context: BuildContext(service: "s", number: 1, commit: "c", branch: "main", message: ""))
        }
        do {
            _ = try PipelinePlanner.plan(definition, context: BuildContext(service: "s", number: 1, commit: "c", branch: "main", message: ""))
        } catch {
            #expect(error.description.hasPrefix("pipeline.yml:2:5: the steps depend on each other in a cycle: a → b → a"))
        }
    }

    @Test func refusesConcurrencyWithoutGroup() {
        #expect(F.errors(["steps:", "  - command: x", "    concurrency: 1"])
            == ["pipeline.yml:3:5: steps[0].concurrency needs a concurrency_group (add `concurrency_group: my-app/deploy` naming the jobs that share the limit)"])
    }

    @Test func refusesBadConditionsAtTheExactColumn() {
        #expect(F.errors(["steps:", "  - command: x", "    if: build.brnch == \"main\""])
            == ["pipeline.yml:3:9: steps[0].if: unknown variable 'build.brnch' (did you mean 'build.branch'?)"])
        #expect(F.errors(["steps:", "  - command: x", "    if: 'build.branch == \"main\" &&'"])
            == ["pipeline.yml:3:35: steps[0].if: the condition ends too early (add a value after the operator)"])
    }

    @Test func refusesStepsThatAreNothingOrTwoThings() {
        #expect(F.errors(["steps:", "  - label: Nothing"])
            == ["pipeline.yml:2:5: steps[0] has no command (add `command:`, or make it a wait, block, input, trigger or group step)"])
        #expect(F.errors(["steps:", "  - {block: Go, command: x}"]) == ["pipeline.yml:2:5: steps[0] is both a block and a command step (split it into separate steps)"])
        #expect(F.errors(["steps:", "  - wiat"]) == ["pipeline.yml:2:5: a step written as text must be 'wait', 'block' or 'input', not 'wiat' (did you mean 'wait'?)"])
        #expect(F.errors(["steps:", "  - group: A", "    steps:", "      - group: B", "        steps: [wait]"])
            == ["pipeline.yml:4:9: groups cannot be nested (move this group to the top-level steps)"])
    }

    @Test func refusesBadMatrixAndFields() {
        #expect(F.errors(["steps:", "  - command: x", "    matrix:", "      setup: {os: [linux]}", "      adjustments:", "        - with: {oss: linux}"])
            .contains("pipeline.yml:6:18: 'oss' is not a dimension of this matrix (did you mean 'os'?)"))
        #expect(F.errors(["steps:", "  - block: Go", "    fields:", "      - {select: Region, key: region}"])
            == ["pipeline.yml:4:9: steps[0].fields[0] is a select without 'options' (add `options: [{label: EU, value: eu}]`)"])
    }

    @Test func refusesTopLevelKeysThatHoldMoreThanAnchors() {
        #expect(F.errors(["extra: value", "steps: [wait]"])
            == ["pipeline.yml:1:1: unknown top-level key 'extra' (expected steps, env or agents; other top-level keys may only hold YAML anchors (&name))"])
    }

    @Test func refusesBillionLaughsQuickly() {
        var lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        for level in 1...9 {
            let previous = "*a\(level - 1)"
            lines.append("a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]")
        }
        lines += ["steps:", "  - command: echo", "    env: {X: *a9}"]
        let start = Date()
        let errors = F.errors(lines)
        #expect(Date().timeIntervalSince(start) < 2)
        #expect(errors.count == 1)
        #expect(errors.first?.contains("expands to more than 100000 YAML nodes") == true)
    }

    @Test func refusesDeepNesting() {
        let text = "steps:\n  - command: x\n    env: " + String(repeating: "[", count: 80) + String(repeating: "]", count: 80) + "\n"
        let errors = F.errors(text: text)
        #expect(errors.first?.contains("nests more than 64 levels deep") == true)
    }

    @Test func refusesYAMLSyntaxErrorsWithTheirLocation() {
        #expect(F.errors(["steps:", "  - command: \"unterminated"]).first?.hasPrefix("pipeline.yml:") == true)
        #expect(F.errors(text: "") == ["pipeline.yml:1:1: the pipeline file is empty (start with `steps:` and a list of steps)"])
    }
}
