import Foundation

/// The service repositories through the `git` command.
public struct GitRepositories: RepositoryReader {
    let git = ProcessRunner(environment: ["GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"])

    public init() {}

    public func currentBranch(repo: URL) throws -> String {
        try git.run("git", ["symbolic-ref", "--quiet", "--short", "HEAD"], in: repo).text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func head(repo: URL, branch: String) throws -> (commit: String, message: String, author: String) {
        try describe(repo: repo, commit: "refs/heads/\(branch)")
    }

    public func describe(repo: URL, commit: String) throws -> (commit: String, message: String, author: String) {
        let text: String
        do {
            text = try git.run("git", ["log", "-1", "--format=%H%n%an%n%s", commit, "--"], in: repo).text
        } catch {
            throw ShipdeckError(.notFound, "there is no commit or branch '\(commit)' in \(repo.path)", field: "commit",
                                hint: "check the id with `git -C \(repo.path) log --oneline`")
        }
        let lines = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        return (lines[0], lines.count > 2 ? lines[2] : "", lines.count > 1 ? lines[1] : "")
    }

    public func changedFiles(repo: URL, from: String, to: String) -> [String]? {
        guard let text = try? git.run("git", ["diff", "--name-only", from, to], in: repo).text else { return nil }
        return text.split(separator: "\n").map(String.init)
    }

    public func checkout(repo: URL, commit: String, into directory: URL) throws {
        try git.run("git", ["clone", "--quiet", "--no-checkout", "--no-hardlinks", repo.path, directory.path], in: directory.deletingLastPathComponent())
        try git.run("git", ["-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", commit], in: directory)
    }

    /// The text of `path` at `commit`.
    public func show(repo: URL, commit: String, path: String) throws -> String {
        do {
            return try git.run("git", ["show", "\(commit):\(path)"], in: repo).text
        } catch {
            throw ShipdeckError(.notFound, "\(path) does not exist at commit \(commit.prefix(8)) of \(repo.lastPathComponent)", field: path,
                                hint: "commit a pipeline file there, or set `pipeline:` for the service in shipdeck.yml")
        }
    }
}
