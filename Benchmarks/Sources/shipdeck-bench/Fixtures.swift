import Foundation
import ShipdeckCore

/// Workspace snapshots built directly as values (no store, no config files), so the benchmark
/// measures the dashboard alone.
enum Fixtures {
    /// A fixed instant (2026-11-25 12:00:00 UTC) so every run draws the same frames.
    static let now = Date(timeIntervalSince1970: 1_795_608_000)

    static let columnNames = ["Backlog", "Ready", "In Progress", "Review", "Done"]
    static let services = ["api", "billing", "checkout", "search", "auth", "notifier", "ledger", "gateway", "media", "reports"]
    static let environments = ["dev", "staging", "prod"]

    static func workspace() -> WorkspaceInfo {
        WorkspaceInfo(
            name: "bench", path: "/tmp/bench", cardPrefix: "SHP",
            environments: [EnvironmentInfo(name: "dev", protected: false), EnvironmentInfo(name: "prod", protected: true)],
            currentEnvironment: "dev")
    }

    /// A snapshot with no cards and no rows: the baseline frame.
    static func empty() -> WorkspaceSnapshot {
        WorkspaceSnapshot(
            workspace: workspace(), currentUser: Person(handle: "ada", name: "Ada", roles: ["dev", "prod"]),
            onCall: [OnCallSlot(rota: "dingo", person: "ada", until: now.addingTimeInterval(3600))],
            board: BoardSnapshot(columns: columnNames.map { BoardColumn(name: $0, wipLimit: $0 == "In Progress" ? 5 : nil, cards: []) }),
            pipelines: [], fleet: [], alerts: [])
    }

    /// `cards` cards spread over five columns and `rows` rows in each of pipelines, fleet and alerts.
    static func large(cards: Int = 10_000, rows: Int = 10_000) -> WorkspaceSnapshot {
        var snapshot = empty()
        var columns = snapshot.board.columns
        for i in 0..<cards {
            let c = i % columns.count
            let service = services[i % services.count]
            let card = Card(
                id: "SHP-\(i + 1)", title: "\(verbs[i % verbs.count]) \(service) \(nouns[(i / 7) % nouns.count]) #\(i)",
                description: "Benchmark card \(i)", column: columns[c].name, position: columns[c].cards.count,
                assignee: i % 3 == 0 ? nil : people[i % people.count], labels: i % 4 == 0 ? ["bug"] : ["chore"],
                services: [service], createdAt: now.addingTimeInterval(Double(-i * 60)), updatedAt: now)
            columns[c].cards.append(card)
        }
        snapshot.board = BoardSnapshot(columns: columns)
        snapshot.pipelines = (0..<rows).map { i in
            let service = "\(services[i % services.count])-\(i)"
            let states: [BuildRecord.State] = [.passed, .failed, .running, .blocked, .scheduled, .canceled]
            let build = BuildRecord(
                id: Int64(i), service: service, number: i % 500 + 1, commit: String(format: "%07x", i * 2_654_435 & 0xfffffff),
                branch: i % 5 == 0 ? "release" : "main", message: "Change \(i)", state: states[i % states.count],
                createdAt: now.addingTimeInterval(Double(-i)), finishedAt: nil)
            return ServicePipelines(service: service, pipelineFile: "pipelines/\(service).yml", builds: [build])
        }
        snapshot.fleet = (0..<rows).map { i in
            let service = "\(services[i % services.count])-\(i / environments.count)"
            let instances: [InstanceRecord] = (0..<(i % 3 + 1)).map { n in
                let state: InstanceRecord.State = n == 2 ? .crashed : .healthy
                return InstanceRecord(id: "\(service)-\(n)", state: state, health: .ok, port: 20_000 + n, startedAt: now, active: true)
            }
            return FleetRow(service: service, environment: environments[i % environments.count], port: 8_000 + i % 1_000,
                            desiredInstances: 2, image: i % 10 == 0 ? nil : "localhost/\(service):\(i % 50)", instances: instances)
        }
        snapshot.alerts = (0..<rows).map { i in
            let severities: [Incident.Severity] = [.critical, .error, .warning, .info]
            let states: [Incident.State] = [.triggered, .acknowledged, .resolved]
            return Incident(
                id: Int64(i + 1), dedupKey: "alert-\(i)", summary: "\(services[i % services.count]) \(symptoms[i % symptoms.count]) on instance \(i)",
                source: "instance-\(i)", severity: severities[i % severities.count], urgency: i % 2 == 0 ? .high : .low,
                state: states[i % states.count], service: services[i % services.count], integration: "health",
                createdAt: now.addingTimeInterval(Double(-i * 30)))
        }
        return snapshot
    }

    static let verbs = ["Fix", "Add", "Remove", "Migrate", "Investigate", "Document", "Upgrade", "Refactor"]
    static let nouns = ["deploy step", "health check", "alert rule", "proxy config", "build cache", "rollback", "dashboard", "rota"]
    static let people = ["ada", "grace", "linus", "ken", "barbara"]
    static let symptoms = ["p99 latency high", "error rate above 5%", "health check failing", "disk 90% full", "restarts looping"]
}
