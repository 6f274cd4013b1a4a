import ShipdeckCore
import TerminalUI

/// The board's columns after filtering, and where the selected card sits. Used by `update` to move
/// between cards and by the view to draw them.
public struct BoardLayout: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public var name: String
        public var wipLimit: Int?
        /// Every card in the column, for the `(n/limit)` count.
        public var total: Int
        public var cards: [Card]
    }

    public var columns: [Column]
    /// Columns side by side (wide enough), or one list grouped under column headers.
    public var sideBySide: Bool

    /// A column is drawn side by side only when each gets at least this many cells.
    public static let minimumColumnWidth = 16

    public init(model: Model) {
        let matching = model.filterCache.cards
        let source = model.snapshot?.board.columns ?? []
        columns = source.map { column in
            let cards = matching.map { ids in column.cards.filter { ids.contains($0.id) } } ?? column.cards
            return Column(name: column.name, wipLimit: column.wipLimit, total: column.cards.count, cards: cards)
        }
        let width = (model.layout.panes[.board]?.width ?? 0) - 2
        sideBySide = !columns.isEmpty && width / columns.count >= BoardLayout.minimumColumnWidth
    }

    /// (column, row) of the card with `id`.
    public func position(of id: String?) -> (column: Int, row: Int)? {
        guard let id else { return nil }
        for (c, column) in columns.enumerated() {
            if let r = column.cards.firstIndex(where: { $0.id == id }) { return (c, r) }
        }
        return nil
    }

    /// The cards in reading order (column by column).
    public var flatCards: [Card] { columns.flatMap(\.cards) }

    public var firstCard: Card? { flatCards.first }

    /// Rows of the grouped list: a header per column followed by its cards.
    public enum ListRow: Sendable, Equatable {
        case header(Column)
        case card(Card)
    }

    public var listRows: [ListRow] {
        columns.flatMap { column in [ListRow.header(column)] + column.cards.map { ListRow.card($0) } }
    }

    /// `Backlog (3)` or `In Progress (4/3)` with the WIP limit.
    public static func title(_ column: Column) -> String {
        if let limit = column.wipLimit { return "\(column.name) (\(column.total)/\(limit))" }
        return "\(column.name) (\(column.total))"
    }
}
