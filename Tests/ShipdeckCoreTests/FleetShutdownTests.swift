import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import ShipdeckCore

/// A process runtime whose `start` reports the started instance and then waits to be released, so a
/// test can shut the fleet down while a deploy is between starting an instance and recording it.
private final class HeldStartRuntime: InstanceRuntime {
    let inner = ProcessRuntime()
    let started: AsyncStream<InstanceHandle>
    private let startedContinuation: AsyncStream<InstanceHandle>.Continuation
    private let release: AsyncStream<Void>
    let releaseContinuation: AsyncStream<Void>.Continuation

    init() {
        (started, startedContinuation) = AsyncStream.makeStream()
        (release, releaseContinuation) = AsyncStream.makeStream()
    }

    var kind: RuntimeKind { .process }

    func prepare(service: String, buildNumber: Int, releaseDirectory: URL) async throws -> String {
        try await inner.prepare(service: service, buildNumber: buildNumber, releaseDirectory: releaseDirectory)
    }

    func start(_ launch: InstanceLaunch) async throws -> InstanceHandle {
        let handle = try await inner.start(launch)
        startedContinuation.yield(handle)
        for await _ in release { break }
        return handle
    }

    func liveness(_ handle: InstanceHandle) async -> InstanceLiveness { await inner.liveness(handle) }
    func stop(_ handle: InstanceHandle, grace: Duration) async { await inner.stop(handle, grace: grace) }
    func usage(_ handle: InstanceHandle) async -> ResourceUsage? { await inner.usage(handle) }
}

@Suite("Fleet shutdown")
struct FleetShutdownTests {
    @Test("an instance that finishes starting while the fleet shuts down is stopped, not left running")
    func instanceStartedDuringShutdownIsStopped() async throws {
        let workspace = try FleetWorkspace(instances: 1)
        try await workspace.image(1)
        let runtime = HeldStartRuntime()
        let fleet = FleetEngine(config: workspace.config, store: workspace.store, clock: SystemClock(),
                                runtimes: [.process: runtime], probe: HTTPCheckClient.shared)
        await fleet.start()
        let deploy = Task { try await fleet.deploy(service: "web", environment: "test", image: "web:1", by: "ana", source: "test") }
        var handles = runtime.started.makeAsyncIterator()
        let handle = try #require(await handles.next())
        let pgid = try #require(handle.processGroup)
        #expect(kill(-pgid, 0) == 0)

        // The shutdown has stopped everything it knew of before the instance's start returns.
        await fleet.shutdown()
        runtime.releaseContinuation.yield()
        let record = try await deploy.value
        #expect(record.outcome == .failed)
        #expect(record.reason?.contains("shutting down") == true)
        // The instance is gone once the deploy has given up on it.
        #expect(RunnerFixtures.groupIsGone(pgid))
    }
}
