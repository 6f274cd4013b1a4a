import Foundation

/// The board as the dashboard shows it: columns with their cards, each card with its linked commits.
public struct BoardSnapshot: Codable, Sendable, Equatable {
    public var columns: [BoardColumn]
    /// The column a card reaches once its change runs healthy in prod (`board.done_column`); nil: the last.
    public var doneColumn: String?
    public init(columns: [BoardColumn], doneColumn: String? = nil) {
        self.columns = columns
        self.doneColumn = doneColumn
    }

    public var cardCount: Int { columns.reduce(0) { $0 + $1.cards.count } }
}

public struct BoardColumn: Codable, Sendable, Equatable {
    public var name: String
    public var wipLimit: Int?
    public var cards: [Card]
    public init(name: String, wipLimit: Int?, cards: [Card]) {
        self.name = name
        self.wipLimit = wipLimit
        self.cards = cards
    }
    public var overLimit: Bool { wipLimit.map { cards.count > $0 } ?? false }
}

public struct Card: Codable, Sendable, Equatable, Identifiable {
    /// Short id such as `SHP-42`.
    public var id: String
    public var title: String
    public var description: String
    public var column: String
    public var position: Int
    public var assignee: String?
    public var labels: [String]
    public var services: [String]
    public var createdAt: Date
    public var updatedAt: Date
    /// The commits whose message mentions the card, with the builds that contain each and where it runs now.
    public var commits: [CardCommit]
    /// Why the board moved the card back (a rollback took its change out of prod); cleared once it is Done again.
    public var flag: String?
    /// Since when every linked change has run in prod on healthy instances; Done follows `board.done_after` later.
    public var inProdSince: Date?

    public init(
        id: String, title: String, description: String = "", column: String, position: Int,
        assignee: String? = nil, labels: [String] = [], services: [String] = [], createdAt: Date, updatedAt: Date,
        commits: [CardCommit] = [], flag: String? = nil, inProdSince: Date? = nil
    ) {
        self.id = id
        self.title = title
        self.description = description
        self.column = column
        self.position = position
        self.assignee = assignee
        self.labels = labels
        self.services = services
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.commits = commits
        self.flag = flag
        self.inProdSince = inProdSince
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try c.decode(String.self, forKey: .id), title: try c.decode(String.self, forKey: .title),
                  description: try c.decodeIfPresent(String.self, forKey: .description) ?? "",
                  column: try c.decode(String.self, forKey: .column), position: try c.decodeIfPresent(Int.self, forKey: .position) ?? 0,
                  assignee: try c.decodeIfPresent(String.self, forKey: .assignee),
                  labels: try c.decodeIfPresent([String].self, forKey: .labels) ?? [],
                  services: try c.decodeIfPresent([String].self, forKey: .services) ?? [],
                  createdAt: try c.decode(Date.self, forKey: .createdAt), updatedAt: try c.decode(Date.self, forKey: .updatedAt),
                  commits: try c.decodeIfPresent([CardCommit].self, forKey: .commits) ?? [],
                  flag: try c.decodeIfPresent(String.self, forKey: .flag),
                  inProdSince: try c.decodeIfPresent(Date.self, forKey: .inProdSince))
    }

    /// Whether every linked change runs in `environment` (false without linked changes).
    public func runs(in environment: String) -> Bool {
        !commits.isEmpty && commits.allSatisfy { $0.runsIn.contains(environment) }
    }
}

/// A commit linked to a card by its message (`SHP-42: retry the payment call`).
public struct CardCommit: Codable, Sendable, Equatable {
    public var service: String
    public var sha: String
    public var subject: String
    public var author: String
    /// The service's builds whose commit contains this one (it or a descendant), oldest first.
    public var builds: [Int]
    /// The environments whose active image contains it.
    public var runsIn: [String]

    public init(service: String, sha: String, subject: String, author: String, builds: [Int] = [], runsIn: [String] = []) {
        self.service = service
        self.sha = sha
        self.subject = subject
        self.author = author
        self.builds = builds
        self.runsIn = runsIn
    }

    public var shortSHA: String { String(sha.prefix(8)) }
}
