import Foundation

/// What the board knows of one service in one environment: the build its active image came from
/// and since when all its serving instances have been healthy.
public struct DeliveredService: Sendable, Equatable {
    public var image: String?
    public var build: Int?
    /// nil while any serving instance is not healthy (or none serves).
    public var healthySince: Date?
    public init(image: String?, build: Int?, healthySince: Date?) {
        self.image = image
        self.build = build
        self.healthySince = healthySince
    }
}

/// The board's automatic moves, as a pure function of a card, the board's columns and what runs where.
///
/// - A card whose every linked change runs in test moves to the test column (only forward).
/// - Once every linked change runs in prod on healthy instances for `board.done_after`, it moves to Done.
/// - A card whose change ran in prod and no longer does (a rollback) is flagged and, if it was Done,
///   moved back: to the test column while test runs its change, else to the ship column.
public struct BoardRules: Sendable {
    public var board: BoardConfig
    /// The environment whose deploys move cards to the test column (the first unprotected one).
    public var testEnvironment: String?
    /// The environment whose deploys make cards Done (the first protected one).
    public var prodEnvironment: String?

    public init(board: BoardConfig, environments: [EnvironmentConfig]) {
        self.board = board
        testEnvironment = environments.first { !$0.protected }?.name
        prodEnvironment = environments.first { $0.protected }?.name
    }

    /// `card` with its commits' environments brought up to date and the board's move applied, and
    /// the history line for the move (nil when only the delivery details changed). nil: nothing changed.
    public func apply(to card: Card, fleet: (_ service: String, _ environment: String) -> DeliveredService?, now: Date) -> CardChange? {
        guard !card.commits.isEmpty else { return nil }
        var next = card
        let environments = [testEnvironment, prodEnvironment].compactMap { $0 }
        for index in next.commits.indices {
            let commit = next.commits[index]
            next.commits[index].runsIn = environments.filter { environment in
                fleet(commit.service, environment)?.build.map(commit.builds.contains) ?? false
            }
        }
        let services = Array(Set(next.commits.map(\.service))).sorted()
        let column = board.index(of: card.column) ?? 0
        let testIndex = board.index(of: board.testColumn) ?? 0
        let doneIndex = board.index(of: board.doneColumn) ?? board.columns.count - 1
        let inTest = testEnvironment.map(next.runs(in:)) ?? false
        let inProd = prodEnvironment.map(next.runs(in:)) ?? false
        var change: String?

        if inProd, let prod = prodEnvironment {
            if next.inProdSince == nil { next.inProdSince = now }
            let healthy = services.map { fleet($0, prod)?.healthySince }
            if column < doneIndex, healthy.allSatisfy({ $0 != nil }) {
                let since = max(next.inProdSince!, healthy.compactMap { $0 }.max() ?? now)
                if now.timeIntervalSince(since) >= board.doneAfter {
                    next.column = board.doneColumn
                    next.flag = nil
                    change = "moved from \(card.column) to \(board.doneColumn): \(images(services, prod, fleet)) ran healthy in \(prod) for \(Self.duration(board.doneAfter))"
                }
            }
        } else if next.inProdSince != nil, let prod = prodEnvironment,
                  services.allSatisfy({ fleet($0, prod)?.build != nil }) {
            // It ran in prod and prod now runs other images: a rollback (or a redeploy of an older image)
            // took it out. (No image at all is a core still adopting its instances, not a rollback.)
            next.inProdSince = nil
            let missing = next.commits.filter { !$0.runsIn.contains(prod) }.map { "\($0.service) \($0.shortSHA)" }
            next.flag = "rolled back: \(prod) runs \(images(services, prod, fleet)), without \(missing.joined(separator: ", "))"
            if column >= doneIndex {
                next.column = inTest ? board.testColumn : board.shipColumn
                change = "moved back from \(card.column) to \(next.column): \(next.flag!)"
            } else {
                change = next.flag
            }
        }
        if change == nil, inTest, column < testIndex, let test = testEnvironment {
            next.column = board.testColumn
            change = "moved from \(card.column) to \(board.testColumn): deployed to \(test) in \(images(services, test, fleet))"
        }
        guard next != card else { return nil }
        return CardChange(next, change)
    }

    /// When `card` will be due for Done if nothing changes (nil: not waiting for it).
    public func doneDue(for card: Card, fleet: (_ service: String, _ environment: String) -> DeliveredService?) -> Date? {
        guard let prod = prodEnvironment, let since = card.inProdSince, card.column != board.doneColumn else { return nil }
        let healthy = Set(card.commits.map(\.service)).map { fleet($0, prod)?.healthySince }
        guard healthy.allSatisfy({ $0 != nil }) else { return nil }
        return max(since, healthy.compactMap { $0 }.max() ?? since).addingTimeInterval(board.doneAfter)
    }

    private func images(_ services: [String], _ environment: String, _ fleet: (String, String) -> DeliveredService?) -> String {
        services.map { fleet($0, environment)?.image ?? "\($0) (nothing)" }.joined(separator: ", ")
    }

    /// `10m`, `90s`, `1h`.
    static func duration(_ seconds: Double) -> String {
        if seconds >= 3600, seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
        return "\(Int(seconds))s"
    }
}
