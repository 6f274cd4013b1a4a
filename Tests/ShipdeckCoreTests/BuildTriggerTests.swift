import Foundation
import Testing
@testable import ShipdeckCore

/// `trigger` steps chain builds: the triggered build runs the same service's pipeline (its own
/// `trigger` step is skipped there by `if`), and the work step fails only in the triggered build
/// when `failChild` is set.
@Suite struct BuildTriggerTests {
    static func pipeline(async: Bool, failChild: Bool) -> String {
        """
        steps:
          - trigger: app
            key: chain
            if: build.source != "trigger"
            async: \(async)
            build: {message: "child of the chain"}
          - key: work
            depends_on: chain
            command: \(failChild ? "test \"$BUILDKITE_SOURCE\" != trigger" : "echo \"work from $BUILDKITE_SOURCE\"")
        """
    }

    @Test func aWaitingTriggerPassesOnlyAfterTheTriggeredBuildPasses() async throws {
        let workspace = try EngineWorkspace(pipeline: Self.pipeline(async: false, failChild: false))
        try await workspace.run { core in
            try await core.builds.start(service: "app", by: "ana", source: "ui")
            let parent = try await core.awaitFinished("app", 1)
            let child = try await core.awaitFinished("app", 2)
            #expect(child.state == .passed && child.source == "trigger" && child.message == "child of the chain")
            #expect(child.jobs.map(\.id) == ["work"], "the trigger step is skipped in the triggered build")
            #expect(parent.state == .passed)
            let chain = try #require(parent.job("chain"))
            #expect(chain.state == .passed && chain.detail == "app#2 passed")
            #expect(try #require(parent.job("work")?.startedAt) >= (try #require(child.finishedAt)), "work waited for the chain")
        }
    }

    @Test func aWaitingTriggerFailsWhenTheTriggeredBuildFails() async throws {
        let workspace = try EngineWorkspace(pipeline: Self.pipeline(async: false, failChild: true))
        try await workspace.run { core in
            try await core.builds.start(service: "app", by: "ana", source: "ui")
            let child = try await core.awaitFinished("app", 2)
            let parent = try await core.awaitFinished("app", 1)
            #expect(child.state == .failed)
            #expect(parent.state == .failed)
            #expect(parent.job("chain")?.state == .failed && parent.job("chain")?.detail == "app#2 failed")
            #expect(parent.job("work")?.state == .broken)
        }
    }

    @Test func anAsyncTriggerPassesAsSoonAsTheBuildStartsWhateverItsOutcome() async throws {
        let workspace = try EngineWorkspace(pipeline: Self.pipeline(async: true, failChild: true))
        try await workspace.run { core in
            try await core.builds.start(service: "app", by: "ana", source: "ui")
            let parent = try await core.awaitFinished("app", 1)
            let child = try await core.awaitFinished("app", 2)
            #expect(parent.state == .passed)
            #expect(parent.job("chain")?.detail == "started app#2")
            #expect(child.state == .failed, "the triggered build failed on its own")
        }
    }
}
