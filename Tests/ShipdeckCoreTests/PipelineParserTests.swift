import Foundation
import Testing
@testable import ShipdeckCore

/// Helpers for pipeline tests: parse text as `pipeline.yml` and read back errors as printed sentences.
enum PipelineFixtures {
    static let file = "pipeline.yml"

    static func parse(_ lines: [String]) throws -> PipelineDefinition {
        try PipelineParser.parse(lines.joined(separator: "\n") + "\n", file: file)
    }

    /// The printed errors for a pipeline that must be refused (empty when it was accepted).
    static func errors(_ lines: [String]) -> [String] {
        errors(text: lines.joined(separator: "\n") + "\n")
    }

    static func errors(text: String) -> [String] {
        do {
            _ = try PipelineParser.parse(text, file: file)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    static func command(_ step: PipelineStep?) -> PipelineStep.Command? {
        if case .command(let command) = step { return command }
        return nil
    }
}

@Suite struct PipelineParserTests {
    typealias F = PipelineFixtures

    @Test func readsCommandStepWithEveryAttribute() throws {
        let definition = try F.parse([
            "env: {GLOBAL: \"1\"}",
            "agents: [queue=build, os=linux]",
            "steps:",
            "  - label: Tests",
            "    key: tests",
            "    commands: [make deps, make test]",
            "    env: {CI: true, LEVEL: 3}",
            "    agents: {queue: test}",
            "    if_changed: [\"src/**\", \"Package.swift\"]",
            "    timeout_in_minutes: 15",
            "    retry:",
            "      automatic:",
            "        - {exit_status: -1, limit: 3}",
            "        - {exit_status: \"*\", limit: 1}",
            "      manual: {allowed: false, reason: flaky}",
            "    soft_fail: [{exit_status: 1}, {exit_status: 2}]",
            "    concurrency: 1",
            "    concurrency_group: app/tests",
            "    concurrency_method: eager",
            "    priority: 5",
            "    artifact_paths: \"logs/*.txt;coverage/**/*\"",
            "    parallelism: 3",
            "    branches: \"main release/* !release/old\"",
            "    if: build.branch != \"gh-pages\"",
        ])
        #expect(definition.env == ["GLOBAL": "1"])
        #expect(definition.agents == ["queue": "build", "os": "linux"])
        let step = try #require(F.command(definition.steps.first))
        #expect(step.common.key == "tests")
        #expect(step.common.label == "Tests")
        #expect(step.commands == ["make deps", "make test"])
        #expect(step.env == ["CI": "true", "LEVEL": "3"])
        #expect(step.agents == ["queue": "test"])
        #expect(step.ifChanged.map(\.pattern) == ["src/**", "Package.swift"])
        #expect(step.timeoutMinutes == 15)
        #expect(step.retry == RetryPolicy(automatic: [.init(exitStatuses: [-1], limit: 3), .init(exitStatuses: nil, limit: 1)], manualAllowed: false))
        #expect(step.softFail == .exitStatuses([1, 2]))
        #expect(step.concurrency == PlannedJob.Concurrency(group: "app/tests", limit: 1, method: .eager))
        #expect(step.priority == 5)
        #expect(step.artifactPaths == ["logs/*.txt", "coverage/**/*"])
        #expect(step.parallelism == 3)
        #expect(step.common.branches?.patterns == ["main", "release/*", "!release/old"])
        #expect(step.common.condition?.source == "build.branch != \"gh-pages\"")
        #expect(step.common.location == PipelineLocation(file: "pipeline.yml", line: 4, column: 5))
    }

    @Test func readsShortFormsAndOldNames() throws {
        let definition = try F.parse([
            "steps:",
            "  - name: Lint",            // 2
            "    id: lint",
            "    command: make lint",
            "  - wait",                  // 5
            "  - \"wait\"",
            "  - wait: ~",
            "    continue_on_failure: true",
            "  - wait: {continue_on_failure: true, if: build.branch == \"main\"}",
            "  - block: Release",        // 10
            "  - input",
            "  - block",
            "  - identifier: deploy",
            "    command: ./deploy",
            "    retry: {automatic: true, manual: false}",
            "    soft_fail: true",
        ])
        #expect(definition.steps.count == 9)
        #expect(definition.steps[0].common.key == "lint")
        #expect(definition.steps[0].common.label == "Lint")
        guard case .wait(let third) = definition.steps[3], case .wait(let fourth) = definition.steps[4] else {
            Issue.record("expected wait steps"); return
        }
        #expect(third.continueOnFailure)
        #expect(fourth.continueOnFailure && fourth.common.condition != nil)
        guard case .block(let release) = definition.steps[5], case .block(let input) = definition.steps[6] else {
            Issue.record("expected block steps"); return
        }
        #expect(release.common.label == "Release" && !release.isInput)
        #expect(input.isInput)
        let deploy = try #require(F.command(definition.steps[8]))
        #expect(deploy.retry == RetryPolicy(automatic: [.init(exitStatuses: nil, limit: 2)], manualAllowed: false))
        #expect(deploy.softFail == .all)
    }

    @Test func readsBlockInputTriggerGroupAndDeploySteps() throws {
        let definition = try F.parse([
            "steps:",
            "  - block: \":shipit: Release\"",
            "    key: release",
            "    prompt: Ship it?",
            "    blocked_state: running",
            "    fields:",
            "      - {text: Notes, key: notes, required: false, hint: Why, default: none}",
            "      - select: Region",
            "        key: region",
            "        multiple: true",
            "        default: [eu, us]",
            "        options: [{label: Europe, value: eu}, {label: US, value: us}]",
            "  - input: Details",
            "    key: details",
            "    fields: [{text: Ticket, key: ticket}]",
            "  - trigger: payments",
            "    label: Payments",
            "    async: true",
            "    build: {commit: HEAD, branch: main, message: from orders, env: {FROM: orders}}",
            "  - group: Deploys",
            "    key: deploys",
            "    depends_on: [release, {step: details, allow_failure: true}]",
            "    steps:",
            "      - command: ./deploy test",
            "        deploy: {environment: test}",
            "      - deploy: {environment: prod}",
        ])
        guard case .block(let block) = definition.steps[0], case .block(let input) = definition.steps[1],
              case .trigger(let trigger) = definition.steps[2], case .group(let group) = definition.steps[3] else {
            Issue.record("unexpected step kinds: \(definition.steps)"); return
        }
        #expect(block.prompt == "Ship it?" && block.blockedState == "running" && !block.isInput)
        #expect(block.fields == [
            PlannedJob.Field(key: "notes", label: "Notes", kind: .text, required: false, defaultValue: "none", hint: "Why"),
            PlannedJob.Field(key: "region", label: "Region", kind: .select, defaultValue: "eu,us",
                             options: [.init(label: "Europe", value: "eu"), .init(label: "US", value: "us")], multiple: true),
        ])
        #expect(input.isInput && input.common.label == "Details" && input.fields.map(\.key) == ["ticket"])
        #expect(trigger.trigger == PlannedJob.Trigger(service: "payments", async: true, commit: "HEAD", branch: "main",
                                                      message: "from orders", env: ["FROM": "orders"]))
        #expect(group.common.label == "Deploys")
        #expect(group.common.dependsOn?.map(\.step) == ["release", "details"])
        #expect(group.common.dependsOn?.map(\.allowFailure) == [false, true])
        #expect(group.steps.compactMap { F.command($0)?.deployEnvironment } == ["test", "prod"])
    }

    @Test func readsMatrixListAndSetupForms() throws {
        let definition = try F.parse([
            "steps:",
            "  - command: test {{matrix}}",
            "    matrix: [\"3.11\", \"3.12\"]",
            "  - command: build {{matrix.os}} {{matrix.arch}}",
            "    matrix:",
            "      setup:",
            "        os: [linux, macos]",
            "        arch: [amd64, arm64]",
            "      adjustments:",
            "        - with: {os: macos, arch: amd64}",
            "          skip: true",
            "        - with: {os: linux, arch: arm64}",
            "          soft_fail: [{exit_status: 3}]",
            "        - with: {os: windows, arch: amd64}",
        ])
        let list = try #require(F.command(definition.steps[0])?.matrix)
        #expect(list.dimensions == [.init(name: "", values: ["3.11", "3.12"])])
        let setup = try #require(F.command(definition.steps[1])?.matrix)
        #expect(setup.dimensions.map(\.name) == ["os", "arch"])
        #expect(setup.adjustments == [
            .init(with: ["os": "macos", "arch": "amd64"], skip: true),
            .init(with: ["os": "linux", "arch": "arm64"], softFail: .exitStatuses([3])),
            .init(with: ["os": "windows", "arch": "amd64"]),
        ])
    }

    @Test func acceptsAnchorsAliasesMergeKeysAndAnchorOnlyTopLevelKeys() throws {
        let definition = try F.parse([
            "defaults: &defaults",
            "  agents: {queue: build}",
            "  timeout_in_minutes: 10",
            "x-commands:",
            "  - &lint make lint",
            "steps:",
            "  - <<: *defaults",
            "    command: *lint",
            "    timeout_in_minutes: 20",
        ])
        let step = try #require(F.command(definition.steps.first))
        #expect(step.commands == ["make lint"])
        #expect(step.agents == ["queue": "build"])
        #expect(step.timeoutMinutes == 20)
    }

    @Test func parsesTheDemoPipeline() throws {
        let text = DemoServiceFiles(name: "orders", message: "hello").pipeline
        let definition = try PipelineParser.parse(text, file: "services/orders/.buildkite/pipeline.yml")
        #expect(definition.steps.compactMap(\.common.key) == ["lint", "unit-tests", "contract-tests", "build-image", "deploy-test", "release", "deploy-prod"])
    }
}
