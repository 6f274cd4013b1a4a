import Foundation

/// `shipdeck demo`: a living demo workspace with real git repositories and a seeded store.
public enum DemoWorkspace {
    /// The setting that records when the demo store was seeded.
    static let seededSetting = "demo.seeded"
    /// `pending` until the first core that runs the engines has built every demo service once.
    public static let firstBuildsSetting = "demo.firstBuilds"

    /// Creates (or reuses) the demo workspace in `directory` and returns its config.
    ///
    /// Writes `shipdeck.yml`, makes four services under `services/NAME`, each a git repository with a
    /// Python service, tests and `.buildkite/pipeline.yml` (commits dated before `now`, some naming
    /// cards), and seeds the store with people and twelve cards. When `directory` already holds a demo,
    /// it is reused as it is: nothing is re-seeded. With `firstBuilds`, the first core to run the
    /// engines builds every service once, so the demo deploys them to test and holds prod at the block.
    /// - Throws: `ShipdeckError` (.refused) when `directory` holds a `shipdeck.yml` that is not the demo's;
    ///   (.notFound) when git is missing; (.io) when a file or git command fails.
    @discardableResult
    public static func create(at directory: URL, now: Date, firstBuilds: Bool = false) async throws -> WorkspaceConfig {
        let file = ShipdeckPaths.configFile(in: directory)
        if FileManager.default.fileExists(atPath: file.path) {
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            guard text.hasPrefix(DemoData.marker) else {
                throw ShipdeckError(.refused, "\(directory.path) already holds a workspace that is not the demo", field: directory.path,
                                    hint: "pick an empty folder for the demo")
            }
        } else {
            guard ProcessRunner.which("git") != nil else {
                throw ShipdeckError(.notFound, "git is not installed; the demo's services are git repositories", field: "git",
                                    hint: "install git (for example `apt-get install git`) and run the demo again")
            }
            try createDirectory(directory)
            for (index, service) in DemoData.services.enumerated() {
                let commitTime = now.addingTimeInterval(-Double(DemoData.services.count - index) * 3 * 3600)
                try makeRepository(service.name, message: service.message, cards: service.cards,
                                   in: directory.appendingPathComponent("services/\(service.name)"), at: commitTime)
            }
            try write(DemoData.config, to: file)
        }
        let config = try ConfigLoader.load(file: file)
        let store = try SQLiteStore.open(at: config.databaseFile)
        if try await store.setting(seededSetting) == nil {
            try await seed(store, config: config, now: now)
            if firstBuilds { try await store.setSetting(firstBuildsSetting, to: "pending") }
        }
        return config
    }

    /// Puts the people and the sample cards in `store`.
    static func seed(_ store: any Store, config: WorkspaceConfig, now: Date) async throws {
        try await store.replacePeople(config.people.map(\.person))
        var positions: [String: Int] = [:]
        for (index, sample) in DemoData.cards.enumerated() {
            let number = try await store.nextCardNumber()
            let created = now.addingTimeInterval(-Double(DemoData.cards.count - index) * 6 * 3600)
            let position = positions[sample.column, default: 0]
            positions[sample.column] = position + 1
            let card = Card(id: "\(config.cardPrefix)-\(number)", title: sample.title, column: sample.column, position: position,
                            assignee: sample.assignee, labels: sample.labels, services: sample.services,
                            createdAt: created, updatedAt: created)
            try await store.upsertCard(card, by: sample.assignee ?? "fay", change: "created in \(sample.column)")
        }
        try await store.setSetting(seededSetting, to: ISO8601DateFormatter().string(from: now))
    }

    /// Makes one service repository with three commits, unless it already has `.git`.
    static func makeRepository(_ name: String, message: String, cards: [String], in folder: URL, at time: Date) throws {
        guard !FileManager.default.fileExists(atPath: folder.appendingPathComponent(".git").path) else { return }
        let files = DemoServiceFiles(name: name, message: message)
        try createDirectory(folder.appendingPathComponent(".buildkite"))
        let git = DemoGit(folder: folder)
        try git.run(["-c", "init.defaultBranch=main", "init", "-q"])
        try write(files.app, to: folder.appendingPathComponent("app.py"))
        try write(files.readme, to: folder.appendingPathComponent("README.md"))
        try write(DemoServiceFiles.gitignore, to: folder.appendingPathComponent(".gitignore"))
        try git.commit("Initial \(name) service skeleton", at: time)
        try write(files.unitTest, to: folder.appendingPathComponent("test_app.py"))
        try write(files.contractTest, to: folder.appendingPathComponent("contract_test.py"))
        try git.commit("Add health endpoint with unit and contract tests (\(cards[0]))", at: time.addingTimeInterval(3600))
        try write(files.pipeline, to: folder.appendingPathComponent(".buildkite/pipeline.yml"))
        try git.commit("Add Buildkite pipeline with gated prod deploy (\(cards[1]))", at: time.addingTimeInterval(7200))
    }

    static func createDirectory(_ url: URL) throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw ShipdeckError(.io, "cannot create \(url.path): \(error.localizedDescription)", field: url.path, hint: "check that the parent folder is writable")
        }
    }

    static func write(_ text: String, to url: URL) throws {
        do { try text.write(to: url, atomically: true, encoding: .utf8) } catch {
            throw ShipdeckError(.io, "cannot write \(url.path): \(error.localizedDescription)", field: url.path, hint: "check that the folder is writable")
        }
    }
}

/// Runs git in one demo repository with a fixed author, so demo commits look the same everywhere.
struct DemoGit {
    let folder: URL
    static let author = ["GIT_AUTHOR_NAME": "Shipdeck Demo", "GIT_AUTHOR_EMAIL": "demo@shipdeck.invalid",
                         "GIT_COMMITTER_NAME": "Shipdeck Demo", "GIT_COMMITTER_EMAIL": "demo@shipdeck.invalid",
                         "GIT_CONFIG_NOSYSTEM": "1"]

    func run(_ arguments: [String], environment: [String: String] = [:]) throws {
        try ProcessRunner(environment: Self.author.merging(environment) { $1 }).run("git", arguments, in: folder)
    }

    func commit(_ message: String, at time: Date) throws {
        let stamp = "\(Int(time.timeIntervalSince1970)) +0000"
        try run(["add", "-A"])
        try run(["-c", "commit.gpgsign=false", "commit", "-q", "-m", message],
                environment: ["GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp])
    }
}
