import Foundation
import GRDB

extension SQLiteStore {
    public func saveIncident(_ incident: Incident, log: IncidentLogMaker?) async throws -> Logged<Incident> {
        try writeHere { db in
            var saved = incident
            // Cached statements: an Events API burst saves thousands of incident changes a second.
            if incident.id == 0 {
                try db.cachedStatement(sql: "INSERT INTO incident (dedupKey, state, resolvedAt, json) VALUES (?, ?, ?, '{}')")
                    .execute(arguments: [incident.dedupKey, incident.state.rawValue, incident.resolvedAt?.timeIntervalSince1970])
                saved.id = db.lastInsertedRowID
            }
            let json = IncidentJSON.encode(saved)
            // Most changes (a trigger appended, a page, a note) leave the indexed columns as they were:
            // then only the JSON is written, and the indexes are left alone.
            try db.cachedStatement(sql: "UPDATE incident SET json = ? WHERE id = ? AND dedupKey = ? AND state = ? AND resolvedAt IS ?")
                .execute(arguments: [json, saved.id, saved.dedupKey, saved.state.rawValue, saved.resolvedAt?.timeIntervalSince1970])
            if db.changesCount == 0 {
                try db.cachedStatement(sql: "UPDATE incident SET dedupKey = ?, state = ?, resolvedAt = ?, json = ? WHERE id = ?")
                    .execute(arguments: [saved.dedupKey, saved.state.rawValue, saved.resolvedAt?.timeIntervalSince1970, json, saved.id])
            }
            return Logged(value: saved, sequence: try log.map { try Self.appendEvent(db, at: saved.updatedAt, try $0(saved, json)) })
        }
    }

    public func openIncident(dedupKey: String) async throws -> Incident? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT json FROM incident WHERE dedupKey = ? AND state != 'resolved' ORDER BY id DESC LIMIT 1",
                                arguments: [dedupKey]).map { try Self.decode(Incident.self, $0) }
        }
    }

    public func incident(id: Int64) async throws -> Incident? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT json FROM incident WHERE id = ?", arguments: [id]).map { try Self.decode(Incident.self, $0) }
        }
    }

    public func incidents(resolvedAfter: Date, limit: Int) async throws -> [Incident] {
        try await read { db in
            try String.fetchAll(db, sql: """
                SELECT json FROM incident WHERE state != 'resolved' OR resolvedAt > ? ORDER BY id DESC LIMIT ?
                """, arguments: [resolvedAfter.timeIntervalSince1970, limit]).map { try Self.decode(Incident.self, $0) }
        }
    }
}
