import Foundation
import Testing
import Yams
@testable import ShipdeckCore

@Suite struct DemoWorkspaceTests {
    static let now = Date.utc("2024-06-03 10:00")

    @Test func demoMakesRealRepositoriesValidConfigAndSeededStore() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let config = try await DemoWorkspace.create(at: folder.url, now: Self.now)
        #expect(ConfigLoader.validate(file: ShipdeckPaths.configFile(in: folder.url)) == [])
        #expect(config.services.map(\.name) == ["orders", "payments", "catalog", "notifications"])
        #expect(config.onCall.rotas.map(\.name) == ["dingo", "owl", "squid"])
        for service in config.services {
            let repo = folder.url.appendingPathComponent(service.repo)
            let log = try ProcessRunner().run("git", ["log", "--format=%an|%s"], in: repo).text
            let lines = log.split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines.allSatisfy { $0.hasPrefix("Shipdeck Demo|") })
            #expect(log.contains("SHP-"))
            let pipeline = try String(contentsOf: repo.appendingPathComponent(service.pipeline), encoding: .utf8)
            let parsed = try #require(try Yams.load(yaml: pipeline) as? [String: Any])
            let steps = try #require(parsed["steps"] as? [Any])
            #expect(steps.contains { ($0 as? [String: Any])?["block"] != nil })
            #expect(steps.count == 9)
        }
        let store = try SQLiteStore.open(at: config.databaseFile)
        #expect(try await store.cards().count == 12)
        #expect(Set(try await store.cards().map(\.column)).count == 6)
        #expect(try await store.people().count == 6)
    }

    @Test func demoServiceTestsPass() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        try await DemoWorkspace.create(at: folder.url, now: Self.now)
        let repo = folder.url.appendingPathComponent("services/orders")
        try ProcessRunner().run("python3", ["-m", "py_compile", "app.py", "test_app.py", "contract_test.py"], in: repo)
        let output = try ProcessRunner().run("python3", ["-m", "unittest", "test_app", "contract_test"], in: repo)
        #expect(output.text.contains("OK"))
    }

    @Test func secondRunReusesTheDemoWithoutReseeding() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let config = try await DemoWorkspace.create(at: folder.url, now: Self.now)
        do {
            let store = try SQLiteStore.open(at: config.databaseFile)
            _ = try await store.deleteCard(id: "SHP-1", by: "fay", at: Self.now)
        }
        try await DemoWorkspace.create(at: folder.url, now: Self.now.addingTimeInterval(3600))
        #expect(try await SQLiteStore.open(at: config.databaseFile).cards().count == 11)
    }

    @Test func demoRefusesAFolderHoldingAnotherWorkspace() async throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        try folder.write("name: mine\n", to: "shipdeck.yml")
        await #expect(throws: ShipdeckError.self) { try await DemoWorkspace.create(at: folder.url, now: Self.now) }
    }
}
