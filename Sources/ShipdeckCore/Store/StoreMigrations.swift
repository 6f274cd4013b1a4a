import GRDB

/// The schema, as migrations registered in order under fixed names. Never edit a shipped migration;
/// add a new one at the end.
enum StoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-initial") { db in
            try db.execute(sql: """
                CREATE TABLE person (handle TEXT PRIMARY KEY, name TEXT NOT NULL, roles TEXT NOT NULL);
                CREATE TABLE card (
                    id TEXT PRIMARY KEY, title TEXT NOT NULL, description TEXT NOT NULL, "column" TEXT NOT NULL,
                    position INTEGER NOT NULL, assignee TEXT, labels TEXT NOT NULL, services TEXT NOT NULL,
                    createdAt DATETIME NOT NULL, updatedAt DATETIME NOT NULL);
                CREATE TABLE cardHistory (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, cardId TEXT NOT NULL, at DATETIME NOT NULL,
                    who TEXT NOT NULL, change TEXT NOT NULL);
                CREATE TABLE build (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, service TEXT NOT NULL, number INTEGER NOT NULL,
                    "commit" TEXT NOT NULL, branch TEXT NOT NULL, message TEXT NOT NULL, state TEXT NOT NULL,
                    createdAt DATETIME NOT NULL, finishedAt DATETIME);
                CREATE TABLE alert (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, dedupKey TEXT NOT NULL, summary TEXT NOT NULL, service TEXT,
                    severity TEXT NOT NULL, highUrgency BOOLEAN NOT NULL, state TEXT NOT NULL,
                    createdAt DATETIME NOT NULL, assignee TEXT);
                CREATE TABLE eventLog (
                    sequence INTEGER PRIMARY KEY AUTOINCREMENT, at DATETIME NOT NULL, kind TEXT NOT NULL, json TEXT NOT NULL);
                CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                """)
        }
        migrator.registerMigration("v2-indexes") { db in
            try db.execute(sql: """
                CREATE INDEX cardHistoryByCard ON cardHistory(cardId, id);
                CREATE INDEX buildByService ON build(service, number);
                CREATE INDEX alertByState ON alert(state, createdAt);
                """)
        }
        migrator.registerMigration("v3-build-jobs-logs") { db in
            try db.execute(sql: """
                ALTER TABLE build ADD COLUMN author TEXT NOT NULL DEFAULT '';
                ALTER TABLE build ADD COLUMN source TEXT NOT NULL DEFAULT 'ui';
                ALTER TABLE build ADD COLUMN startedBy TEXT;
                ALTER TABLE build ADD COLUMN startedAt DATETIME;
                ALTER TABLE build ADD COLUMN error TEXT;
                ALTER TABLE build ADD COLUMN jobs TEXT NOT NULL DEFAULT '[]';
                ALTER TABLE build ADD COLUMN plan TEXT;
                ALTER TABLE build ADD COLUMN context TEXT;
                CREATE UNIQUE INDEX buildNumber ON build(service, number);
                CREATE TABLE logLine (
                    buildId INTEGER NOT NULL, jobId TEXT NOT NULL, attempt INTEGER NOT NULL, line INTEGER NOT NULL,
                    at DATETIME NOT NULL, stream TEXT NOT NULL, text TEXT NOT NULL,
                    PRIMARY KEY (buildId, jobId, attempt, line)) WITHOUT ROWID;
                """)
        }
        registerFleet(&migrator)
        registerHealth(&migrator)
        registerAlerts(&migrator)
        registerBoard(&migrator)
        return migrator
    }

    /// The fleet's tables: images (immutable), deploys, instances, routes (the active group of each
    /// service and environment) and the instances' bounded logs. Records are JSON in one column, so
    /// the engines' types evolve without a migration each; the columns the store queries by are real.
    static func registerFleet(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("fleet-v1") { db in
            try db.execute(sql: """
                CREATE TABLE image (tag TEXT PRIMARY KEY, service TEXT NOT NULL, buildNumber INTEGER NOT NULL, json TEXT NOT NULL);
                CREATE INDEX imageByService ON image(service, buildNumber);
                CREATE TABLE deploy (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, service TEXT NOT NULL, environment TEXT NOT NULL,
                    outcome TEXT NOT NULL, json TEXT NOT NULL);
                CREATE INDEX deployByService ON deploy(service, environment, id);
                CREATE TABLE instance (id TEXT PRIMARY KEY, service TEXT NOT NULL, environment TEXT NOT NULL, json TEXT NOT NULL);
                CREATE TABLE route (service TEXT NOT NULL, environment TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (service, environment));
                CREATE TABLE instanceLog (
                    instanceId TEXT NOT NULL, line INTEGER NOT NULL, at DOUBLE NOT NULL, stream TEXT NOT NULL, text TEXT NOT NULL,
                    PRIMARY KEY (instanceId, line)) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("fleet-v2-runs") { db in
            try db.execute(sql: """
                CREATE TABLE oneOffRun (
                    id TEXT PRIMARY KEY, service TEXT NOT NULL, environment TEXT NOT NULL, startedAt DOUBLE NOT NULL, json TEXT NOT NULL);
                CREATE INDEX oneOffRunByService ON oneOffRun(service, environment, startedAt);
                """)
        }
    }

    /// The health checks' history of state changes (bounded per instance by the engine) and the
    /// scheduled downtimes.
    static func registerHealth(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("health-v1") { db in
            try db.execute(sql: """
                CREATE TABLE healthEvent (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, instance TEXT NOT NULL, service TEXT NOT NULL, environment TEXT NOT NULL,
                    at DOUBLE NOT NULL, json TEXT NOT NULL);
                CREATE INDEX healthEventByInstance ON healthEvent(instance, id);
                CREATE TABLE downtime (id TEXT PRIMARY KEY, service TEXT NOT NULL, environment TEXT NOT NULL, json TEXT NOT NULL);
                """)
        }
    }

    /// Incidents: the record as JSON, the columns the store queries by as columns. The first
    /// schema's `alert` table never held anything and goes.
    static func registerAlerts(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("alerts-v1") { db in
            try db.execute(sql: """
                DROP TABLE IF EXISTS alert;
                CREATE TABLE incident (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, dedupKey TEXT NOT NULL, state TEXT NOT NULL, resolvedAt DOUBLE, json TEXT NOT NULL);
                CREATE INDEX incidentOpenByKey ON incident(dedupKey) WHERE state != 'resolved';
                CREATE INDEX incidentByResolved ON incident(resolvedAt);
                """)
        }
    }

    static func registerBoard(_ migrator: inout DatabaseMigrator) {
        // A card's linked commits (with their builds and environments) as JSON, the flag a rollback
        // sets, and since when its change has run healthy in prod.
        migrator.registerMigration("board-v1-delivery") { db in
            try db.execute(sql: """
                ALTER TABLE card ADD COLUMN commits TEXT NOT NULL DEFAULT '[]';
                ALTER TABLE card ADD COLUMN flag TEXT;
                ALTER TABLE card ADD COLUMN inProdSince DATETIME;
                """)
        }
    }
}
