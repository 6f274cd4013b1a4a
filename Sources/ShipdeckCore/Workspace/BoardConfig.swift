/// The Kanban columns, left to right.
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

    public init(columns: [Column] = BoardConfig.defaultColumns) { self.columns = columns }

    /// Backlog, In Progress, Review, Ready to Ship, In Test, Done.
    public static let defaultColumns: [Column] = [
        Column(name: "Backlog"), Column(name: "In Progress", wip: 4), Column(name: "Review", wip: 3),
        Column(name: "Ready to Ship"), Column(name: "In Test"), Column(name: "Done"),
    ]
}
