import Foundation
import GRDB

/// The fleet's records: JSON in one column, keyed by the columns the queries use.
extension SQLiteStore {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(json.utf8))
    }

    public func recordImage(_ image: ImageRecord) async throws {
        let json = try Self.encode(image)
        try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM image WHERE tag = ?", arguments: [image.tag]) == true {
                throw ShipdeckError(.invalid, "image \(image.tag) is already recorded; images are never rebuilt or changed",
                                    field: "image", hint: "start a new build to make a new image")
            }
            try db.execute(sql: "INSERT INTO image (tag, service, buildNumber, json) VALUES (?, ?, ?, ?)",
                           arguments: [image.tag, image.service, image.buildNumber, json])
        }
    }

    public func image(tag: String) async throws -> ImageRecord? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT json FROM image WHERE tag = ?", arguments: [tag]).map { try Self.decode(ImageRecord.self, $0) }
        }
    }

    public func images(service: String, limit: Int) async throws -> [ImageRecord] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT json FROM image WHERE service = ? ORDER BY buildNumber DESC LIMIT ?", arguments: [service, limit])
                .map { try Self.decode(ImageRecord.self, $0) }
        }
    }

    public func saveDeploy(_ deploy: DeployRecord) async throws -> DeployRecord {
        try await write { db in
            var saved = deploy
            if saved.id == 0 {
                try db.execute(sql: "INSERT INTO deploy (service, environment, outcome, json) VALUES (?, ?, ?, '{}')",
                               arguments: [deploy.service, deploy.environment, deploy.outcome.rawValue])
                saved.id = db.lastInsertedRowID
            }
            try db.execute(sql: "UPDATE deploy SET outcome = ?, json = ? WHERE id = ?",
                           arguments: [saved.outcome.rawValue, try Self.encode(saved), saved.id])
            return saved
        }
    }

    public func deploys(service: String, environment: String, limit: Int) async throws -> [DeployRecord] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT json FROM deploy WHERE service = ? AND environment = ? ORDER BY id DESC LIMIT ?",
                                arguments: [service, environment, limit]).map { try Self.decode(DeployRecord.self, $0) }
        }
    }

    public func unfinishedDeploys() async throws -> [DeployRecord] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT json FROM deploy WHERE outcome IN ('queued', 'running') ORDER BY id")
                .map { try Self.decode(DeployRecord.self, $0) }
        }
    }

    public func saveInstance(_ instance: StoredInstance) async throws {
        let json = try Self.encode(instance)
        try await write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO instance (id, service, environment, json) VALUES (?, ?, ?, ?)",
                           arguments: [instance.record.id, instance.service, instance.environment, json])
        }
    }

    public func removeInstance(id: String) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM instance WHERE id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM instanceLog WHERE instanceId = ?", arguments: [id])
        }
    }

    public func instances() async throws -> [StoredInstance] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT json FROM instance ORDER BY id").map { try Self.decode(StoredInstance.self, $0) }
        }
    }

    public func saveRoute(_ route: FleetRoute) async throws {
        let json = try Self.encode(route)
        try await write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO route (service, environment, json) VALUES (?, ?, ?)",
                           arguments: [route.service, route.environment, json])
        }
    }

    public func routes() async throws -> [FleetRoute] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT json FROM route ORDER BY service, environment").map { try Self.decode(FleetRoute.self, $0) }
        }
    }

    public func appendInstanceLog(instanceID: String, lines: [LogLine], keep: Int) async throws {
        guard !lines.isEmpty else { return }
        try await write { db in
            let insert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO instanceLog (instanceId, line, at, stream, text) VALUES (?, ?, ?, ?, ?)")
            for line in lines {
                try insert.execute(arguments: [instanceID, line.line, line.at.timeIntervalSince1970, line.stream.rawValue, line.text])
            }
            if let last = lines.last?.line, last > keep {
                try db.execute(sql: "DELETE FROM instanceLog WHERE instanceId = ? AND line <= ?", arguments: [instanceID, last - keep])
            }
        }
    }

    public func instanceLog(instanceID: String, after: Int, limit: Int) async throws -> [LogLine] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM instanceLog WHERE instanceId = ? AND line > ? ORDER BY line LIMIT ?",
                             arguments: [instanceID, after, limit]).map { row in
                LogLine(line: row["line"], at: Date(timeIntervalSince1970: row["at"]),
                        stream: LogLine.Stream(rawValue: row["stream"]) ?? .stdout, text: row["text"])
            }
        }
    }

    public func saveRun(_ run: OneOffRun) async throws {
        let json = try Self.encode(run)
        try await write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO oneOffRun (id, service, environment, startedAt, json) VALUES (?, ?, ?, ?, ?)",
                           arguments: [run.id, run.service, run.environment, run.startedAt.timeIntervalSince1970, json])
        }
    }

    public func runs(service: String, environment: String, limit: Int) async throws -> [OneOffRun] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT json FROM oneOffRun WHERE service = ? AND environment = ? ORDER BY startedAt DESC LIMIT ?",
                                arguments: [service, environment, limit]).map { try Self.decode(OneOffRun.self, $0) }
        }
    }

    public func lastInstanceLogLine(instanceID: String) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT MAX(line) FROM instanceLog WHERE instanceId = ?", arguments: [instanceID]) ?? 0
        }
    }
}
