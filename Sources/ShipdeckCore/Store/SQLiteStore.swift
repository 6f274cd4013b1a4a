import Foundation
import GRDB

/// The SQLite store: a GRDB `DatabasePool` in WAL mode, migrated on open.
///
/// Every write runs in one transaction, so a process killed with `kill -9` loses nothing it committed.
/// `SQLiteStore.inMemory()` is the twin for tests (same schema, same code, no file).
public final class SQLiteStore: Store {
    private let writer: any DatabaseWriter

    private init(writer: any DatabaseWriter) throws {
        self.writer = writer
        do { try StoreMigrations.migrator.migrate(writer) } catch {
            throw ShipdeckError(.store, "cannot migrate the database: \(error)", hint: "restore a backup, or delete the file to start afresh")
        }
    }

    /// Opens (creating if needed) the database at `file` and runs pending migrations.
    /// - Throws: `ShipdeckError` (.store) when the file cannot be opened or migrated.
    public static func open(at file: URL) throws -> SQLiteStore {
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            return try SQLiteStore(writer: DatabasePool(path: file.path, configuration: configuration))
        } catch let error as ShipdeckError {
            throw error
        } catch {
            throw ShipdeckError(.store, "cannot open the database: \(error)", field: file.path,
                                hint: "check that the folder is writable and no other program holds the file")
        }
    }

    /// A fresh database in memory, for tests.
    public static func inMemory() throws -> SQLiteStore {
        try SQLiteStore(writer: DatabaseQueue())
    }

    /// The names of the migrations applied so far, in order.
    public func appliedMigrations() async throws -> [String] {
        try await writer.read { try StoreMigrations.migrator.appliedMigrations($0) }
    }

    /// SQLite's journal mode (`wal` for a file store).
    public func journalMode() async throws -> String {
        try await writer.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") ?? "" }
    }

    // MARK: - Access helpers

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await writer.write(body) } catch { throw Self.wrap(error) }
    }

    /// `write` on the calling thread: libdispatch runs the transaction there when the writer is idle
    /// (else it waits for it). For short, frequent writes (an incident change), where the hop to the
    /// writer's queue and back costs more than the write itself.
    func writeHere<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try writer.write(body) } catch { throw Self.wrap(error) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await writer.read(body) } catch { throw Self.wrap(error) }
    }

    private static func wrap(_ error: Error) -> Error {
        if error is ShipdeckError { return error }
        return ShipdeckError(.store, "database error: \(error)", hint: "see the message; the change was not saved")
    }

    // MARK: - People

    public func people() async throws -> [Person] {
        try await read { try Row.fetchAll($0, sql: "SELECT * FROM person ORDER BY handle").map(StoreRows.person) }
    }

    public func replacePeople(_ people: [Person]) async throws {
        try await write { db in
            try db.execute(sql: "DELETE FROM person")
            for person in people {
                try db.execute(sql: "INSERT INTO person (handle, name, roles) VALUES (?, ?, ?)",
                               arguments: [person.handle, person.name, StoreRows.json(person.roles)])
            }
        }
    }

    // MARK: - Cards

    public func cards() async throws -> [Card] {
        try await read { try Row.fetchAll($0, sql: "SELECT * FROM card ORDER BY position, id").map(StoreRows.card) }
    }

    public func card(id: String) async throws -> Card? {
        try await read { try Row.fetchOne($0, sql: "SELECT * FROM card WHERE id = ?", arguments: [id]).map(StoreRows.card) }
    }

    public func upsertCard(_ card: Card, by person: String, change: String) async throws {
        try await write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO card (id, title, description, "column", position, assignee, labels, services, createdAt, updatedAt,
                                             commits, flag, inProdSince)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: StoreRows.cardArguments(card))
            try Self.recordHistory(db, card.id, card.updatedAt, person, change)
        }
    }

    public func moveCard(id: String, toColumn column: String, by person: String, at date: Date, log: LogEntryMaker<Card>?) async throws -> Logged<Card> {
        try await write { db in
            guard var card = try Row.fetchOne(db, sql: "SELECT * FROM card WHERE id = ?", arguments: [id]).map(StoreRows.card) else {
                throw Self.noCard(id)
            }
            let last = try Int.fetchOne(db, sql: #"SELECT MAX(position) FROM card WHERE "column" = ? AND id != ?"#,
                                        arguments: [column, id]) ?? -1
            let from = card.column
            card.column = column
            card.position = last + 1
            card.updatedAt = date
            try db.execute(sql: #"UPDATE card SET "column" = ?, position = ?, updatedAt = ? WHERE id = ?"#,
                           arguments: [column, card.position, date, id])
            try Self.recordHistory(db, id, date, person, "moved from \(from) to \(column)")
            return Logged(value: card, sequence: try log.map { try Self.appendEvent(db, at: date, try $0(card)) })
        }
    }

    public func deleteCard(id: String, by person: String, at date: Date, log: LogEntryMaker<Card>?) async throws -> Logged<Card> {
        try await write { db in
            guard let card = try Row.fetchOne(db, sql: "SELECT * FROM card WHERE id = ?", arguments: [id]).map(StoreRows.card) else {
                throw Self.noCard(id)
            }
            try db.execute(sql: "DELETE FROM card WHERE id = ?", arguments: [id])
            try Self.recordHistory(db, id, date, person, "deleted from \(card.column)")
            return Logged(value: card, sequence: try log.map { try Self.appendEvent(db, at: date, try $0(card)) })
        }
    }

    public func nextCardNumber() async throws -> Int {
        try await write { db in
            try db.execute(sql: """
                INSERT INTO counter (name, value) VALUES ('card', 1)
                ON CONFLICT(name) DO UPDATE SET value = value + 1
                """)
            return try Int.fetchOne(db, sql: "SELECT value FROM counter WHERE name = 'card'") ?? 1
        }
    }

    public func history(cardID: String) async throws -> [CardHistoryEntry] {
        try await read {
            try Row.fetchAll($0, sql: "SELECT * FROM cardHistory WHERE cardId = ? ORDER BY id", arguments: [cardID]).map(StoreRows.history)
        }
    }

    static func recordHistory(_ db: Database, _ id: String, _ at: Date, _ who: String, _ change: String) throws {
        try db.execute(sql: "INSERT INTO cardHistory (cardId, at, who, change) VALUES (?, ?, ?, ?)", arguments: [id, at, who, change])
    }

    static func noCard(_ id: String) -> ShipdeckError {
        ShipdeckError(.notFound, "there is no card \(id)", field: id, hint: "check the card id; it may have been deleted")
    }

    // MARK: - Builds and alerts

    public func recentBuilds(service: String, limit: Int) async throws -> [BuildRecord] {
        try await read {
            try Row.fetchAll($0, sql: "SELECT * FROM build WHERE service = ? ORDER BY number DESC, id DESC LIMIT ?",
                             arguments: [service, limit]).map(StoreRows.build)
        }
    }

    public func saveBuild(_ build: BuildRecord) async throws -> BuildRecord {
        try await saveBuild(build, plan: nil, context: nil, log: nil).value
    }

    public func saveBuild(_ build: BuildRecord, plan: BuildPlan?, context: BuildContext?, log: LogEntryMaker<BuildRecord>?) async throws -> Logged<BuildRecord> {
        try await write { db in
            var saved = build
            let arguments: StatementArguments = [build.service, build.number, build.commit, build.branch, build.message,
                                                 build.state.rawValue, build.createdAt, build.finishedAt, build.author, build.source,
                                                 build.startedBy, build.startedAt, build.error, StoreRows.encoded(build.jobs) ?? "[]"]
            if build.id == 0 {
                try db.execute(sql: """
                    INSERT INTO build (service, number, "commit", branch, message, state, createdAt, finishedAt, author, source,
                                       startedBy, startedAt, error, jobs, plan, context)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: arguments + [StoreRows.encoded(plan), StoreRows.encoded(context)])
                saved.id = db.lastInsertedRowID
            } else {
                try db.execute(sql: """
                    UPDATE build SET service = ?, number = ?, "commit" = ?, branch = ?, message = ?, state = ?,
                    createdAt = ?, finishedAt = ?, author = ?, source = ?, startedBy = ?, startedAt = ?, error = ?, jobs = ?
                    WHERE id = ?
                    """, arguments: arguments + [build.id])
                if let plan {
                    try db.execute(sql: "UPDATE build SET plan = ?, context = ? WHERE id = ?",
                                   arguments: [StoreRows.encoded(plan), StoreRows.encoded(context), build.id])
                }
            }
            return Logged(value: saved, sequence: try log.map { try Self.appendEvent(db, at: saved.finishedAt ?? saved.createdAt, try $0(saved)) })
        }
    }

    public func build(service: String, number: Int) async throws -> StoredBuild? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM build WHERE service = ? AND number = ?", arguments: [service, number]).map(Self.storedBuild)
        }
    }

    public func unfinishedBuilds() async throws -> [StoredBuild] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM build WHERE state IN ('scheduled', 'running', 'blocked') ORDER BY id").map(Self.storedBuild)
        }
    }

    static func storedBuild(_ row: Row) -> StoredBuild {
        StoredBuild(record: StoreRows.build(row), plan: StoreRows.decoded(BuildPlan.self, row["plan"]),
                    context: StoreRows.decoded(BuildContext.self, row["context"]))
    }

    public func nextBuildNumber(service: String) async throws -> Int {
        try await write { db in
            let name = "build:\(service)"
            try db.execute(sql: """
                INSERT INTO counter (name, value) VALUES (?, 1)
                ON CONFLICT(name) DO UPDATE SET value = value + 1
                """, arguments: [name])
            return try Int.fetchOne(db, sql: "SELECT value FROM counter WHERE name = ?", arguments: [name]) ?? 1
        }
    }

    public func appendLog(buildID: Int64, jobID: String, attempt: Int, lines: [LogLine]) async throws {
        guard !lines.isEmpty else { return }
        try await write { db in try SQLiteLogRows.insert(lines, buildID: buildID, jobID: jobID, attempt: attempt, in: db) }
    }

    public func log(buildID: Int64, jobID: String, attempt: Int, after: Int, limit: Int) async throws -> [LogLine] {
        try await read { db in try SQLiteLogRows.fetch(buildID: buildID, jobID: jobID, attempt: attempt, after: after, limit: limit, in: db) }
    }


    // MARK: - Event log and settings

    public func appendEvent(at date: Date, kind: String, json: String) async throws -> Int64 {
        try await write { db in try Self.appendEvent(db, at: date, LogEntry(kind: kind, json: json)) }
    }

    static func appendEvent(_ db: Database, at date: Date, _ entry: LogEntry) throws -> Int64 {
        try db.cachedStatement(sql: "INSERT INTO eventLog (at, kind, json) VALUES (?, ?, ?)").execute(arguments: [date, entry.kind, entry.json])
        return db.lastInsertedRowID
    }

    public func events(after sequence: Int64, limit: Int) async throws -> [StoredEvent] {
        try await read {
            try Row.fetchAll($0, sql: "SELECT * FROM eventLog WHERE sequence > ? ORDER BY sequence LIMIT ?",
                             arguments: [sequence, limit]).map(StoreRows.event)
        }
    }

    public func lastEventSequence() async throws -> Int64 {
        try await read { try Int64.fetchOne($0, sql: "SELECT MAX(sequence) FROM eventLog") ?? 0 }
    }

    public func setting(_ key: String) async throws -> String? {
        try await read { try String.fetchOne($0, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key]) }
    }

    public func setSetting(_ key: String, to value: String?) async throws {
        try await write { db in
            if let value {
                try db.execute(sql: "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", arguments: [key, value])
            } else {
                try db.execute(sql: "DELETE FROM setting WHERE key = ?", arguments: [key])
            }
        }
    }
}
