/// The Kanban columns, left to right, and the columns the board moves cards to as their changes ship.
public struct BoardConfig: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var name: String
        /// Work-in-progress limit; nil means unlimited.
        public var wip: Int?
        public init(name: String, wip: Int? = nil) {
            self.name = name
            self.wip = wip
        }
    }

    public var columns: [Column]
    /// Where a card goes once its change runs in the test environment (`board.test_column`).
    public var testColumn: String
    /// Where a card goes once its change has run in prod on healthy instances for `doneAfter` (`board.done_column`).
    public var doneColumn: String
    /// Where a card goes back to when a rollback took its change out of prod and test does not run it either.
    public var shipColumn: String
    /// Seconds a change must run healthy in prod before its card is Done (`board.done_after`, default 10 minutes).
    public var doneAfter: Double

    public init(columns: [Column] = BoardConfig.defaultColumns, testColumn: String? = nil, doneColumn: String? = nil,
                shipColumn: String? = nil, doneAfter: Double = 600) {
        self.columns = columns
        let names = columns.map(\.name)
        self.doneColumn = doneColumn ?? (names.contains("Done") ? "Done" : names.last ?? "Done")
        self.testColumn = testColumn ?? (names.contains("In Test") ? "In Test" : names.dropLast().last ?? self.doneColumn)
        let testIndex = names.firstIndex(of: self.testColumn) ?? 0
        self.shipColumn = shipColumn ?? (names.contains("Ready to Ship") ? "Ready to Ship" : names[..<testIndex].last ?? self.testColumn)
        self.doneAfter = doneAfter
    }

    /// Backlog, In Progress, Review, Ready to Ship, In Test, Done.
    public static let defaultColumns: [Column] = [
        Column(name: "Backlog"), Column(name: "In Progress", wip: 4), Column(name: "Review", wip: 3),
        Column(name: "Ready to Ship"), Column(name: "In Test"), Column(name: "Done"),
    ]

    /// The column's place from the left, nil for a name not on the board.
    public func index(of column: String) -> Int? { columns.firstIndex { $0.name == column } }
}
