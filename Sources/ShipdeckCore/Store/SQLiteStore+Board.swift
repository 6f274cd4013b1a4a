import Foundation
import GRDB

extension SQLiteStore {
    public func saveCards(_ changes: [CardChange], by person: String, at date: Date, log: LogEntryMaker<Card>?) async throws -> [Logged<Card>] {
        try await write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO card (id, title, description, "column", position, assignee, labels, services, createdAt, updatedAt,
                                             commits, flag, inProdSince)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            return try changes.map { change in
                try statement.execute(arguments: StoreRows.cardArguments(change.card))
                if let text = change.change { try Self.recordHistory(db, change.card.id, date, person, text) }
                return Logged(value: change.card, sequence: try log.map { try Self.appendEvent(db, at: date, try $0(change.card)) })
            }
        }
    }

    public func reserveCardNumbers(through number: Int) async throws {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO counter (name, value) VALUES ('card', ?)
                ON CONFLICT(name) DO UPDATE SET value = MAX(value, excluded.value)
                """, arguments: [number])
        }
    }
}
