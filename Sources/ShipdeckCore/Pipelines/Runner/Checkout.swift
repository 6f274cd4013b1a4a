import Foundation

/// Builds' repositories through git: a clean checkout of an exact commit, a branch's head, and the
/// files changed between two commits. Also the engine's `RepositoryReader`.
public struct Checkout: RepositoryReader {
    public init() {}

    static let git = ProcessRunner(environment: ["GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"])

    /// Makes `directory` a fresh clone of `repo` with exactly `commit` checked out (detached HEAD).
    /// Whatever was in `directory` before is removed first.
    /// - Returns: the full commit id.
    /// - Throws: `ShipdeckError` (.notFound) when `commit` is not in `repo`; (.io) when git fails.
    @discardableResult
    public static func prepare(repo: URL, commit: String, into directory: URL) throws -> String {
        let full = try resolve(repo: repo, commit: commit)
        let files = FileManager.default
        do {
            if files.fileExists(atPath: directory.path) { try files.removeItem(at: directory) }
            try files.createDirectory(at: directory.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw ShipdeckError(.io, "could not prepare the checkout folder: \(error.localizedDescription)", field: directory.path,
                                hint: "check the permissions of that folder")
        }
        let parent = directory.deletingLastPathComponent()
        try git.run("git", ["clone", "--no-hardlinks", "--quiet", "--no-checkout", repo.path, directory.path], in: parent)
        if (try? git.run("git", ["-C", directory.path, "cat-file", "-e", full + "^{commit}"], in: parent)) == nil {
            // Not on any branch of the source: ask for it by id.
            try git.run("git", ["-C", directory.path, "fetch", "--quiet", "origin", full], in: parent)
        }
        try git.run("git", ["-C", directory.path, "checkout", "--quiet", "--detach", full], in: parent)
        return full
    }

    /// `commit` (a full or abbreviated id, or a ref) as a full commit id.
    /// - Throws: `ShipdeckError` (.notFound) when `repo` has no such commit.
    public static func resolve(repo: URL, commit: String) throws -> String {
        guard !commit.isEmpty, !commit.hasPrefix("-"),
              let output = try? git.run("git", ["-C", repo.path, "rev-parse", "--verify", "--quiet", commit + "^{commit}"], in: repo) else {
            throw ShipdeckError(.notFound, "commit '\(commit)' does not exist in \(repo.path)", field: repo.path,
                                hint: "check the commit id with `git -C \(repo.path) log --oneline`")
        }
        return output.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The commit at the tip of `branch`, with its subject and author; nil when the branch does not exist.
    public static func head(repo: URL, branch: String) -> (commit: String, message: String, author: String)? {
        describe(repo: repo, revision: "refs/heads/" + branch)
    }

    /// Paths changed between `from` and `to` (relative to the repository root); nil when git cannot tell.
    public static func changedFiles(repo: URL, from: String, to: String) -> [String]? {
        guard !from.hasPrefix("-"), !to.hasPrefix("-"),
              let output = try? git.run("git", ["-C", repo.path, "diff", "--name-only", "-z", from, to, "--"], in: repo) else { return nil }
        return output.text.split(separator: "\0").map(String.init).filter { !$0.isEmpty }
    }

    private static func describe(repo: URL, revision: String) -> (commit: String, message: String, author: String)? {
        guard !revision.hasPrefix("-"),
              let output = try? git.run("git", ["-C", repo.path, "log", "-1", "--format=%H%x00%s%x00%an", revision, "--"], in: repo) else {
            return nil
        }
        let parts = output.text.trimmingCharacters(in: .newlines).split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, !parts[0].isEmpty else { return nil }
        return (parts[0], parts[1], parts[2])
    }

    // MARK: RepositoryReader

    public func currentBranch(repo: URL) throws -> String {
        try Self.git.run("git", ["-C", repo.path, "symbolic-ref", "--short", "HEAD"], in: repo).text
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func head(repo: URL, branch: String) throws -> (commit: String, message: String, author: String) {
        guard let head = Self.head(repo: repo, branch: branch) else {
            throw ShipdeckError(.notFound, "branch '\(branch)' does not exist in \(repo.path)", field: repo.path,
                                hint: "check the branch name with `git -C \(repo.path) branch`")
        }
        return head
    }

    public func describe(repo: URL, commit: String) throws -> (commit: String, message: String, author: String) {
        let full = try Self.resolve(repo: repo, commit: commit)
        guard let described = Self.describe(repo: repo, revision: full) else {
            throw ShipdeckError(.notFound, "commit '\(commit)' does not exist in \(repo.path)", field: repo.path)
        }
        return described
    }

    public func changedFiles(repo: URL, from: String, to: String) -> [String]? {
        Self.changedFiles(repo: repo, from: from, to: to)
    }

    public func checkout(repo: URL, commit: String, into directory: URL) throws {
        try Self.prepare(repo: repo, commit: commit, into: directory)
    }
}
