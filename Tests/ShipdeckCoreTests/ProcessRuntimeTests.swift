import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import ShipdeckCore

@Suite("Process runtime")
struct ProcessRuntimeTests {
    func launch(_ folder: TemporaryFolder, command: String) throws -> InstanceLaunch {
        let release = folder.url.appendingPathComponent("release")
        try FileManager.default.createDirectory(at: release, withIntermediateDirectories: true)
        let image = ImageRecord(service: "web", buildNumber: 1, commit: "c", message: "m", createdAt: Date(), runtime: "process",
                                reference: release.path, digest: "d")
        return InstanceLaunch(id: "web-test-1-1", service: "web", environment: "test", image: image, port: 4321, command: command,
                              variables: ["PORT": "4321", "GREETING": "hi"], logFile: folder.url.appendingPathComponent("web.log"))
    }

    @Test("an instance runs in its release directory with its variables, its output goes to its log, and stop leaves no process of its group")
    func startLogStop() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let runtime = ProcessRuntime()
        let spec = try launch(folder, command: "sh -c 'echo \"$GREETING on $PORT in $(pwd)\"; sleep 300 & sleep 300'")
        let handle = try await runtime.start(spec)
        #expect(await runtime.liveness(handle) == .running)
        var text = ""
        for _ in 0..<200 where !text.contains("hi on 4321") {
            try await Task.sleep(for: .milliseconds(10))
            text = (try? String(contentsOf: spec.logFile, encoding: .utf8)) ?? ""
        }
        #expect(text.contains("hi on 4321 in \(spec.image.reference)"))
        let group = try #require(handle.processGroup)
        #expect(ProcessSpawner.liveMembers(group).count >= 2)
        await runtime.stop(handle, grace: .seconds(2))
        #expect(ProcessSpawner.liveMembers(group).isEmpty)
        #expect(await runtime.liveness(handle) != .running)
    }

    @Test("an exit is reported with its status")
    func exitStatus() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let runtime = ProcessRuntime()
        let handle = try await runtime.start(try launch(folder, command: "exit 7"))
        var liveness = InstanceLiveness.running
        for _ in 0..<200 where liveness == .running {
            try await Task.sleep(for: .milliseconds(10))
            liveness = await runtime.liveness(handle)
        }
        #expect(liveness == .exited("exited with status 7"))
    }

    @Test("the log reader hands over whole lines and keeps a partial one for later")
    func logReader() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let file = folder.url.appendingPathComponent("i.log")
        try "one\ntwo\nthr".write(to: file, atomically: true, encoding: .utf8)
        let (lines, offset) = try #require(InstanceLogReader.read(path: file.path, from: 0, firstLine: 1, at: Date()))
        #expect(lines.map(\.text) == ["one", "two"])
        #expect(lines.map(\.line) == [1, 2])
        #expect(offset == 8)
        try "one\ntwo\nthree\n".write(to: file, atomically: true, encoding: .utf8)
        let (more, _) = try #require(InstanceLogReader.read(path: file.path, from: offset, firstLine: 3, at: Date()))
        #expect(more.map(\.text) == ["three"])
    }
}
