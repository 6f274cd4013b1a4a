import Foundation
import Testing
@testable import ShipdeckCore

@Suite("Checkout and build environment")
struct RunnerCheckoutTests {
    private static let git = ProcessRunner(environment: [
        "GIT_AUTHOR_NAME": "Ana Ops", "GIT_AUTHOR_EMAIL": "ana@example.com",
        "GIT_COMMITTER_NAME": "Ana Ops", "GIT_COMMITTER_EMAIL": "ana@example.com",
    ])

    /// A repo on `main` with two commits; returns their ids.
    private func makeRepo(in folder: TemporaryFolder) throws -> (repo: URL, first: String, second: String) {
        let repo = folder.url.appendingPathComponent("repo")
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        try Self.git.run("git", ["init", "--quiet", "-b", "main"], in: repo)
        try folder.write("one\n", to: "repo/app.txt")
        try Self.git.run("git", ["add", "."], in: repo)
        try Self.git.run("git", ["commit", "--quiet", "-m", "First commit"], in: repo)
        let first = try Self.git.run("git", ["rev-parse", "HEAD"], in: repo).text.trimmingCharacters(in: .whitespacesAndNewlines)
        try folder.write("two\n", to: "repo/app.txt")
        try folder.write("lint\n", to: "repo/.buildkite/pipeline.yml")
        try Self.git.run("git", ["add", "."], in: repo)
        try Self.git.run("git", ["commit", "--quiet", "-m", "Second commit"], in: repo)
        let second = try Self.git.run("git", ["rev-parse", "HEAD"], in: repo).text.trimmingCharacters(in: .whitespacesAndNewlines)
        return (repo, first, second)
    }

    @Test func checkoutHoldsExactlyTheCommit() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let (repo, first, _) = try makeRepo(in: folder)
        let work = folder.url.appendingPathComponent("builds/1")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        try "stale".write(to: work.appendingPathComponent("leftover"), atomically: true, encoding: .utf8)

        let full = try Checkout.prepare(repo: repo, commit: String(first.prefix(10)), into: work)
        #expect(full == first)
        #expect(try String(contentsOf: work.appendingPathComponent("app.txt"), encoding: .utf8) == "one\n")
        #expect(!FileManager.default.fileExists(atPath: work.appendingPathComponent("leftover").path))
        let head = try Self.git.run("git", ["rev-parse", "HEAD"], in: work).text.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(head == first)
        let status = try Self.git.run("git", ["status", "--porcelain"], in: work).text
        #expect(status.isEmpty)
    }

    @Test func checkoutOfAMissingCommitIsAClearError() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let (repo, _, _) = try makeRepo(in: folder)
        let error = #expect(throws: ShipdeckError.self) {
            try Checkout.prepare(repo: repo, commit: "0123456789abcdef0123456789abcdef01234567", into: folder.url.appendingPathComponent("w"))
        }
        #expect(error?.kind == .notFound)
        #expect(error?.description.contains("commit '0123456789abcdef0123456789abcdef01234567' does not exist") == true)
    }

    @Test func headAndChangedFilesComeFromGit() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        let (repo, first, second) = try makeRepo(in: folder)
        let head = try #require(Checkout.head(repo: repo, branch: "main"))
        #expect(head.commit == second)
        #expect(head.message == "Second commit")
        #expect(head.author == "Ana Ops")
        #expect(Checkout.head(repo: repo, branch: "nope") == nil)
        #expect(Checkout.changedFiles(repo: repo, from: first, to: second)?.sorted() == [".buildkite/pipeline.yml", "app.txt"])
        #expect(Checkout.changedFiles(repo: repo, from: "nonexistent", to: second) == nil)
        #expect(try Checkout().currentBranch(repo: repo) == "main")
    }

    @Test func buildEnvironmentHasBuildkiteAndShipdeckNames() {
        let job = PlannedJob(id: "test-2", stepKey: "test", label: ":swift: Test", kind: .command(commands: ["make test"], deploy: nil),
                             env: ["BUILDKITE_BRANCH": "overridden", "EXTRA": "1"], parallel: .init(index: 1, count: 3))
        let context = BuildContext(service: "orders", number: 42, commit: "abc123", branch: "main", message: "Fix it",
                                   author: "Ana", source: "webhook", env: ["FROM_BUILD": "yes"])
        let env = BuildEnvironment.variables(job: job, context: context, buildID: "b-42", jobID: "j-7", attempt: 2,
                                             checkoutDir: "/work/builds/42",
                                             coreEnvironment: ["PATH": "/opt/bin:/usr/bin", "HOME": "/home/ana", "LANG": "C.UTF-8",
                                                               "AWS_SECRET": "leak"])
        let expected: [String: String] = [
            "CI": "true", "BUILDKITE": "true", "BUILDKITE_BUILD_NUMBER": "42", "BUILDKITE_BUILD_ID": "b-42",
            "BUILDKITE_JOB_ID": "j-7", "BUILDKITE_COMMIT": "abc123", "BUILDKITE_BRANCH": "overridden",
            "BUILDKITE_MESSAGE": "Fix it", "BUILDKITE_STEP_KEY": "test", "BUILDKITE_LABEL": ":swift: Test",
            "BUILDKITE_PARALLEL_JOB": "1", "BUILDKITE_PARALLEL_JOB_COUNT": "3", "BUILDKITE_PIPELINE_SLUG": "orders",
            "BUILDKITE_BUILD_CHECKOUT_PATH": "/work/builds/42", "BUILDKITE_RETRY_COUNT": "1", "BUILDKITE_SOURCE": "webhook",
            "BUILDKITE_BUILD_AUTHOR": "Ana", "SHIPDECK_BUILD_NUMBER": "42", "SHIPDECK_COMMIT": "abc123", "SHIPDECK_BRANCH": "main",
            "SHIPDECK_STEP_KEY": "test", "SHIPDECK_PARALLEL_JOB": "1", "SHIPDECK_SERVICE": "orders", "SHIPDECK_ATTEMPT": "2",
            "PATH": "/opt/bin:/usr/bin", "HOME": "/home/ana", "LANG": "C.UTF-8", "EXTRA": "1", "FROM_BUILD": "yes",
        ]
        for (name, value) in expected { #expect(env[name] == value, "\(name)") }
        #expect(env["AWS_SECRET"] == nil)
    }
}
