import Foundation
import GRDB
import GRDBSQLite

/// Writes a job attempt's log lines into `logLine`: the SQLite side of `Store.appendLog`.
///
/// A noisy job stores a million rows, and binding them through GRDB's `StatementArguments` (a
/// `DatabaseValue` per column, an array per row, a `String` copy per text) cost several times what
/// SQLite's insert does. So rows go `rowsPerInsert` to one prepared statement, reused for the whole
/// batch, and are bound with SQLite's C API: integers as integers, the job id and the stream name
/// without copies, each line's text copied once into the statement. The timestamp keeps the stored
/// format every reader knows (GRDB's `yyyy-MM-dd HH:mm:ss.SSS`, UTC), formatted once per millisecond.
///
/// The statements are stepped directly, so GRDB's transaction-observer hooks do not see these
/// inserts; the store registers no observer, and every call runs inside the caller's write transaction.
enum SQLiteLogRows {
    /// Rows per INSERT statement (7 parameters each, far below SQLite's 32,766).
    static let rowsPerInsert = 64
    static let insertRow = "INSERT OR REPLACE INTO logLine (buildId, jobId, attempt, line, at, stream, text) VALUES (?, ?, ?, ?, ?, ?, ?)"
    static let insertRows = "INSERT OR REPLACE INTO logLine (buildId, jobId, attempt, line, at, stream, text) VALUES "
        + repeatElement("(?, ?, ?, ?, ?, ?, ?)", count: rowsPerInsert).joined(separator: ", ")

    /// Inserts `lines` in `db`'s current transaction.
    /// - Throws: `DatabaseError` when SQLite refuses a row.
    static func insert(_ lines: [LogLine], buildID: Int64, jobID: String, attempt: Int, in db: Database) throws {
        guard !lines.isEmpty else { return }
        let statements = (many: try db.cachedStatement(sql: insertRows), one: try db.cachedStatement(sql: insertRow))
        let (many, one) = (statements.many.sqliteStatement, statements.one.sqliteStatement)
        var dates = DateTexts()
        let job = Array(jobID.utf8)
        try withExtendedLifetime(statements) {
          try job.withUnsafeBufferPointer { job in
            // The job id's bytes are bound without a copy: unbind them before `job` goes away.
            defer {
                sqlite3_clear_bindings(many)
                sqlite3_clear_bindings(one)
            }
            var index = lines.startIndex
            while index < lines.endIndex {
                let (statement, count) = lines.endIndex - index >= rowsPerInsert ? (many, rowsPerInsert) : (one, 1)
                sqlite3_reset(statement)
                for (row, line) in lines[index..<(index + count)].enumerated() {
                    let first = Int32(row * 7 + 1)
                    sqlite3_bind_int64(statement, first, buildID)
                    bindText(statement, first + 1, UnsafeRawBufferPointer(job), copy: false)
                    sqlite3_bind_int64(statement, first + 2, Int64(attempt))
                    sqlite3_bind_int64(statement, first + 3, Int64(line.line))
                    dates.text(for: line.at).withUnsafeBytes { bindText(statement, first + 4, $0, copy: true) }
                    let stream = streamName(line.stream)
                    bindText(statement, first + 5, UnsafeRawBufferPointer(start: stream.utf8Start, count: stream.utf8CodeUnitCount), copy: false)
                    if line.text.utf8.withContiguousStorageIfAvailable({ bindText(statement, first + 6, UnsafeRawBufferPointer($0), copy: true) }) == nil {
                        Array(line.text.utf8).withUnsafeBytes { bindText(statement, first + 6, $0, copy: true) }
                    }
                }
                let code = sqlite3_step(statement)
                guard code == SQLITE_DONE else {
                    let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
                    sqlite3_reset(statement)
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: count == 1 ? insertRow : "INSERT INTO logLine … (\(count) rows)")
                }
                index += count
            }
          }
        }
    }

    static let selectRows = """
        SELECT line, at, stream, text FROM logLine WHERE buildId = ? AND jobId = ? AND attempt = ? AND line > ? ORDER BY line LIMIT ?
        """

    /// Lines of one job attempt with `line` > `after`, oldest first, at most `limit`, read column by
    /// column (the follow-mode viewer fetches up to 100,000 lines while the job still writes).
    /// - Throws: `DatabaseError` when SQLite fails.
    static func fetch(buildID: Int64, jobID: String, attempt: Int, after: Int, limit: Int, in db: Database) throws -> [LogLine] {
        let cached = try db.cachedStatement(sql: selectRows)
        let statement = cached.sqliteStatement
        let job = Array(jobID.utf8)
        return try withExtendedLifetime(cached) {
          try job.withUnsafeBytes { job in
            sqlite3_reset(statement)
            defer {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            }
            sqlite3_bind_int64(statement, 1, buildID)
            bindText(statement, 2, job, copy: false)
            sqlite3_bind_int64(statement, 3, Int64(attempt))
            sqlite3_bind_int64(statement, 4, Int64(after))
            sqlite3_bind_int64(statement, 5, Int64(limit))
            var lines: [LogLine] = []
            lines.reserveCapacity(min(max(limit, 0), 10_000))
            var lastAt: [UInt8] = []
            var lastDate = Date(timeIntervalSince1970: 0)
            while true {
                let code = sqlite3_step(statement)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: selectRows)
                }
                // Lines written in the same millisecond share their timestamp: parse it once.
                let at = columnBytes(statement, 1)
                if sqlite3_column_type(statement, 1) != SQLITE_TEXT || !at.elementsEqual(lastAt) {
                    lastDate = Date.fromDatabaseValue(DatabaseValue(sqliteStatement: statement, index: 1)) ?? lastDate
                    lastAt = sqlite3_column_type(statement, 1) == SQLITE_TEXT ? Array(at) : []
                }
                let stream = columnBytes(statement, 2)
                lines.append(LogLine(line: Int(sqlite3_column_int64(statement, 0)), at: lastDate, stream: streamValue(stream),
                                     text: String(decoding: columnBytes(statement, 3), as: UTF8.self)))
            }
            return lines
          }
        }
    }

    /// A text column's bytes, valid until the next step.
    private static func columnBytes(_ statement: SQLiteStatement, _ index: Int32) -> UnsafeRawBufferPointer {
        guard let text = sqlite3_column_text(statement, index) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, index)))
    }

    private static func streamValue(_ bytes: UnsafeRawBufferPointer) -> LogLine.Stream {
        if bytes.elementsEqual("stderr".utf8) { return .stderr }
        if bytes.elementsEqual("system".utf8) { return .system }
        return .stdout
    }

    private static func streamName(_ stream: LogLine.Stream) -> StaticString {
        switch stream {
        case .stdout: return "stdout"
        case .stderr: return "stderr"
        case .system: return "system"
        }
    }

    /// SQLite copies the text (`SQLITE_TRANSIENT`), or uses it in place until the next bind or reset
    /// (`SQLITE_STATIC`, for bytes that outlive the statement's use). Empty text is bound as '' (a
    /// nil pointer would bind NULL).
    private static func bindText(_ statement: SQLiteStatement, _ index: Int32, _ bytes: UnsafeRawBufferPointer, copy: Bool) {
        let empty: StaticString = ""
        let base = bytes.baseAddress ?? UnsafeRawPointer(empty.utf8Start)
        sqlite3_bind_text(statement, index, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), copy ? transient : nil)
    }

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    /// Log timestamps in GRDB's storage format, formatted once per millisecond (lines written in the
    /// same millisecond share it, as they did when GRDB formatted each `Date`).
    private struct DateTexts {
        private var millis = Int64.min
        private var bytes: [UInt8] = []

        mutating func text(for date: Date) -> [UInt8] {
            let now = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
            if now != millis {
                millis = now
                bytes = Array((String.fromDatabaseValue(date.databaseValue) ?? "").utf8)
            }
            return bytes
        }
    }
}
