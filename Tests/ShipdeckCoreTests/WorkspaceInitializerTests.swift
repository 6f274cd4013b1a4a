import Foundation
import Testing
@testable import ShipdeckCore

@Suite struct WorkspaceInitializerTests {
    static func makeRepos(in folder: TemporaryFolder) throws {
        try folder.write("print('hi')\n", to: "orders/app.py")
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("orders/.git"), withIntermediateDirectories: true)
        try folder.write("steps: []\n", to: "Payments API/.buildkite/pipeline.yaml")
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("Payments API/.git"), withIntermediateDirectories: true)
        try folder.write("gitdir: elsewhere\n", to: "libs/catalog/.git")  // a worktree's .git is a file
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("a/b/c/too-deep/.git"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("orders/nested/.git"), withIntermediateDirectories: true)
    }

    @Test func initOnAFolderOfReposWritesAConfigThatValidates() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        try Self.makeRepos(in: folder)
        let result = try WorkspaceInitializer.run(directory: folder.url, environment: ["USER": "Ana", "TZ": "Europe/Berlin"])
        #expect(result.services == [
            .init(name: "payments-api", repo: "Payments API", pipeline: ".buildkite/pipeline.yaml", run: nil, port: 8100),
            .init(name: "catalog", repo: "libs/catalog", pipeline: nil, run: nil, port: 8101),
            .init(name: "orders", repo: "orders", pipeline: nil, run: "python3 app.py", port: 8102),
        ])
        #expect(ConfigLoader.validate(file: result.configFile) == [])
        let config = try ConfigLoader.load(file: result.configFile, environment: [:])
        #expect(config.user == "ana")
        #expect(config.onCall.timeZone == "Europe/Berlin")
        #expect(config.service(named: "payments-api")?.pipeline == ".buildkite/pipeline.yaml")
    }

    @Test func initOnAnEmptyFolderStillValidates() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let result = try WorkspaceInitializer.run(directory: folder.url, environment: [:])
        #expect(result.services.isEmpty)
        #expect(ConfigLoader.validate(file: result.configFile) == [])
    }

    @Test func initRefusesToOverwriteAnExistingConfig() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        try folder.write("name: mine\n", to: "shipdeck.yml")
        #expect(throws: ShipdeckError.self) { try WorkspaceInitializer.run(directory: folder.url, environment: [:]) }
        #expect(try String(contentsOf: folder.url.appendingPathComponent("shipdeck.yml"), encoding: .utf8) == "name: mine\n")
    }
}
