import Foundation
@testable import ShipdeckAPI
import ShipdeckCore
import Testing

@Suite(.serialized) struct CoreLifecycleTests {
    @Test func aSecondCoreIsRefusedNamingTheFirst() async throws {
        let workspace = try await TestWorkspace.make()
        defer { workspace.cleanUp() }
        let host = try await workspace.startHost()
        do {
            _ = try await workspace.startHost()
            Issue.record("a second core started")
        } catch let error as ShipdeckError {
            #expect(error.kind == .refused)
            #expect(error.description.contains("pid \(getpid())"))
            #expect(error.description.contains(host.server.url))
        }
        await host.stop()
        let again = try await workspace.startHost()
        await again.stop()
    }

    @Test func theNextStartTakesOverAfterKill9() async throws {
        let workspace = try await TestWorkspace.make()
        defer { workspace.cleanUp() }
        let lockFile = WorkspaceLock.lockFile(in: workspace.directory)
        try FileManager.default.createDirectory(at: lockFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Another process holds the lock the way a core does (flock), then dies by SIGKILL.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR); fcntl.flock(fd, fcntl.LOCK_EX); time.sleep(60)", lockFile.path]
        try holder.run()
        let deadline = Date().addingTimeInterval(10)
        var refused = false
        while Date() < deadline {
            do {
                let lock = try WorkspaceLock.acquire(workspace: workspace.directory, holder: CoreHolder(mode: "test", startedAt: Date()))
                lock.release()
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                refused = true
                break
            }
        }
        #expect(refused, "the other process never held the lock")
        kill(holder.processIdentifier, SIGKILL)
        holder.waitUntilExit()
        let host = try await waitForTakeover(workspace)
        #expect(WorkspaceLock.runningHolder(workspace: workspace.directory)?.pid == getpid())
        await host.stop()
    }

    /// Starts a core as soon as the dead holder's lock is gone.
    private func waitForTakeover(_ workspace: TestWorkspace) async throws -> CoreHost {
        let deadline = Date().addingTimeInterval(10)
        while true {
            do { return try await workspace.startHost() } catch {
                if Date() > deadline { throw error }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    @Test func stopReleasesEverythingAndEndsStreams() async throws {
        let workspace = try await TestWorkspace.make()
        defer { workspace.cleanUp() }
        let host = try await workspace.startHost()
        let stream = await host.core.events()
        var iterator = stream.makeAsyncIterator()
        _ = await iterator.next()
        await host.stop()
        #expect(await iterator.next() == nil, "the event stream ends")
        #expect(WorkspaceLock.runningHolder(workspace: workspace.directory) == nil)
        #expect(!FileManager.default.fileExists(atPath: WorkspaceLock.infoFile(in: workspace.directory).path))
        #expect(try CoreLocator(workspace: workspace.directory).locate() == nil)
    }

    @Test func noCoreRunningSaysHowToStartOne() async throws {
        let workspace = try await TestWorkspace.make()
        defer { workspace.cleanUp() }
        do {
            try await RemoteCore(locator: CoreLocator(workspace: workspace.directory)).perform(.deleteCard(id: "SHP-1"), as: "fay")
            Issue.record("no error")
        } catch let error as ShipdeckError {
            #expect(error.description.contains("no core runs"))
            #expect(error.description.contains("shipdeck serve --workspace"))
        }
    }

    @Test func eventsResumeAfterReconnectWithNoGapOrRepeat() async throws {
        let workspace = try await TestWorkspace.make()
        defer { workspace.cleanUp() }
        let host = try await workspace.startHost()
        let remote = RemoteCore(locator: CoreLocator(workspace: workspace.directory))
        var seen: [CoreEvent] = []
        // Other events may come between the card changes (the demo fleet's rows and notices), so each
        // read goes on until `count` card events.
        func read(_ count: Int, from stream: inout AsyncStream<CoreEvent>.Iterator) async {
            var cards = 0
            while cards < count, let event = await stream.next() {
                seen.append(event)
                if Self.cardID(event) != nil { cards += 1 }
            }
        }
        do {
            var first = await remote.events(after: nil).makeAsyncIterator()
            guard let opening = await first.next(), case .snapshot = opening.change else { Issue.record("no snapshot first"); return }
            seen.append(opening)
            try await host.core.perform(.moveCard(id: "SHP-1", toColumn: "Done"), as: "fay")
            try await host.core.perform(.moveCard(id: "SHP-2", toColumn: "Done"), as: "fay")
            await read(2, from: &first)
        }
        // Disconnected (the first stream is gone): more changes happen meanwhile.
        try await host.core.perform(.moveCard(id: "SHP-3", toColumn: "Done"), as: "fay")
        try await host.core.perform(.deleteCard(id: "SHP-4"), as: "fay")
        var resumed = await remote.events(after: seen.last!.sequence).makeAsyncIterator()
        await read(2, from: &resumed)
        try await host.core.perform(.moveCard(id: "SHP-5", toColumn: "Backlog"), as: "fay")
        await read(1, from: &resumed)
        await host.stop()
        let sequences = seen.dropFirst().map(\.sequence)
        #expect(sequences == Array(sequences.first!...(sequences.first! + Int64(sequences.count - 1))), "consecutive, no gap, no repeat: \(sequences)")
        #expect(sequences.first == seen.first!.sequence + 1)
        #expect(seen.dropFirst().compactMap(Self.cardID) == ["SHP-1", "SHP-2", "SHP-3", "SHP-4", "SHP-5"])
    }

    private static func cardID(_ event: CoreEvent) -> String? {
        switch event.change {
        case .cardUpdated(let card): card.id
        case .cardDeleted(let id, _): id
        default: nil
        }
    }
}
