import Foundation
import GRDB

/// Row ↔ model mapping for `SQLiteStore`. Lists are stored as JSON text.
enum StoreRows {
    static func json(_ list: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(list)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func list(_ text: String?) -> [String] {
        guard let text else { return [] }
        return (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }

    static func person(_ row: Row) -> Person {
        Person(handle: row["handle"], name: row["name"], roles: list(row["roles"]))
    }

    static func card(_ row: Row) -> Card {
        Card(id: row["id"], title: row["title"], description: row["description"], column: row["column"],
             position: row["position"], assignee: row["assignee"], labels: list(row["labels"]),
             services: list(row["services"]), createdAt: row["createdAt"], updatedAt: row["updatedAt"],
             commits: (try? JSONDecoder().decode([CardCommit].self, from: Data((row["commits"] as String? ?? "[]").utf8))) ?? [],
             flag: row["flag"], inProdSince: row["inProdSince"])
    }

    static func cardArguments(_ card: Card) -> StatementArguments {
        [card.id, card.title, card.description, card.column, card.position, card.assignee, json(card.labels),
         json(card.services), card.createdAt, card.updatedAt,
         String(decoding: (try? JSONEncoder().encode(card.commits)) ?? Data("[]".utf8), as: UTF8.self), card.flag, card.inProdSince]
    }

    static func history(_ row: Row) -> CardHistoryEntry {
        CardHistoryEntry(cardID: row["cardId"], at: row["at"], who: row["who"], change: row["change"])
    }

    static func build(_ row: Row) -> BuildRecord {
        let jobs: String = row["jobs"] ?? "[]"
        return BuildRecord(id: row["id"], service: row["service"], number: row["number"], commit: row["commit"],
                           branch: row["branch"], message: row["message"],
                           state: BuildRecord.State(rawValue: row["state"]) ?? .failed,
                           createdAt: row["createdAt"], finishedAt: row["finishedAt"], author: row["author"] ?? "",
                           source: row["source"] ?? "ui", startedBy: row["startedBy"], startedAt: row["startedAt"], error: row["error"],
                           jobs: (try? JSONDecoder().decode([JobRecord].self, from: Data(jobs.utf8))) ?? [])
    }

    static func encoded<T: Encodable>(_ value: T?) -> String? {
        guard let value, let data = try? JSONEncoder().encode(value) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    static func decoded<T: Decodable>(_ type: T.Type, _ text: String?) -> T? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(type, from: Data(text.utf8))
    }

    static func event(_ row: Row) -> StoredEvent {
        StoredEvent(sequence: row["sequence"], at: row["at"], kind: row["kind"], json: row["json"])
    }
}
