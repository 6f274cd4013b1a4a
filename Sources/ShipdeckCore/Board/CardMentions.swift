import Foundation

/// Finds the card ids a commit message mentions: the workspace's prefix, a dash and a number
/// (`SHP-42`, also written `shp-42` or `[SHP-42]`), not inside a longer word.
public enum CardMentions {
    /// The ids in `text`, normalised to the prefix as configured, in order of first mention.
    public static func ids(in text: String, prefix: String) -> [String] {
        let upperPrefix = Array(prefix.uppercased().utf8)
        let bytes = Array(text.utf8)
        var found: [String] = []
        var index = 0
        while index + upperPrefix.count < bytes.count {
            defer { index += 1 }
            if index > 0 && isWordByte(bytes[index - 1]) { continue }
            var matches = true
            for (offset, expected) in upperPrefix.enumerated() where uppercased(bytes[index + offset]) != expected {
                matches = false
                break
            }
            guard matches, bytes[index + upperPrefix.count] == UInt8(ascii: "-") else { continue }
            var end = index + upperPrefix.count + 1
            while end < bytes.count, bytes[end] >= 48, bytes[end] <= 57 { end += 1 }
            let digits = end - (index + upperPrefix.count + 1)
            guard digits > 0, digits <= 9, end == bytes.count || !isWordByte(bytes[end]) else { continue }
            let number = String(decoding: bytes[(index + upperPrefix.count + 1)..<end], as: UTF8.self)
            let id = "\(prefix)-\(Int(number) ?? 0)"
            if !found.contains(id) { found.append(id) }
            index = end - 1
        }
        return found
    }

    private static func uppercased(_ byte: UInt8) -> UInt8 { byte >= 97 && byte <= 122 ? byte - 32 : byte }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 95 || byte >= 128
    }
}

/// One commit of a repository's history.
public struct CommitInfo: Sendable, Equatable {
    public var sha: String
    public var author: String
    public var subject: String
    /// Subject and body.
    public var message: String
    public init(sha: String, author: String, subject: String, message: String) {
        self.sha = sha
        self.author = author
        self.subject = subject
        self.message = message
    }
}

/// Reads a repository's history: what the board scans for card ids.
public protocol CommitLog: Sendable {
    /// `commit` and its ancestors, newest first, at most `limit`.
    func commits(repo: URL, upTo commit: String, limit: Int) throws -> [CommitInfo]
}

/// `git log` in the service's repository.
public struct GitCommitLog: CommitLog {
    public init() {}

    public func commits(repo: URL, upTo commit: String, limit: Int) throws -> [CommitInfo] {
        let output = try ProcessRunner().run("git", ["-C", repo.path, "log", "-n", String(limit), "--format=%H%x1f%an%x1f%s%x1f%B%x1e", commit, "--"],
                                             in: repo)
        return output.text.split(separator: "\u{1e}").compactMap { record in
            let fields = record.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\u{1f}", omittingEmptySubsequences: false)
            guard fields.count >= 4, fields[0].count >= 7 else { return nil }
            return CommitInfo(sha: String(fields[0]), author: String(fields[1]), subject: String(fields[2]), message: String(fields[3]))
        }
    }
}
