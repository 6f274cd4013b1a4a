import Foundation
import GRDB

extension SQLiteStore {
    public func appendHealthEvent(_ event: HealthEvent, keep: Int) async throws -> HealthEvent {
        let json = try Self.encode(event)
        let id = try await write { db in
            try db.execute(sql: "INSERT INTO healthEvent (instance, service, environment, at, json) VALUES (?, ?, ?, ?, ?)",
                           arguments: [event.instance, event.service, event.environment, event.at.timeIntervalSince1970, json])
            let id = db.lastInsertedRowID
            try db.execute(sql: """
                DELETE FROM healthEvent WHERE instance = ? AND id <= (
                    SELECT id FROM healthEvent WHERE instance = ? ORDER BY id DESC LIMIT 1 OFFSET ?)
                """, arguments: [event.instance, event.instance, max(1, keep)])
            return id
        }
        var stored = event
        stored.id = id
        return stored
    }

    public func healthEvents(instance: String, limit: Int) async throws -> [HealthEvent] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT id, json FROM healthEvent WHERE instance = ? ORDER BY id DESC LIMIT ?",
                             arguments: [instance, limit]).map { row in
                var event = try Self.decode(HealthEvent.self, row["json"])
                event.id = row["id"]
                return event
            }
        }
    }

    public func saveDowntime(_ downtime: DowntimeRecord) async throws {
        let json = try Self.encode(downtime)
        try await write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO downtime (id, service, environment, json) VALUES (?, ?, ?, ?)",
                           arguments: [downtime.id.uuidString, downtime.service, downtime.environment, json])
        }
    }

    public func removeDowntime(id: UUID) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM downtime WHERE id = ?", arguments: [id.uuidString])
        }
    }

    public func downtimes() async throws -> [DowntimeRecord] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT json FROM downtime ORDER BY rowid").map { try Self.decode(DowntimeRecord.self, $0) }
        }
    }
}
