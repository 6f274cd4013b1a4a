import Foundation
import ShipdeckCore
@testable import ShipdeckApp
import TerminalUI

enum Fixtures {
    static let now = Date(timeIntervalSince1970: 1_764_072_000) // 2025-11-25 12:00:00 UTC

    static func card(_ number: Int, _ title: String, _ column: String, assignee: String? = nil) -> Card {
        Card(id: "SHP-\(number)", title: title, column: column, position: number, assignee: assignee, labels: ["ops"],
             services: ["orders"], createdAt: now.addingTimeInterval(-3600), updatedAt: now.addingTimeInterval(-60))
    }

    static func snapshot(runningDeploys: [String] = []) -> WorkspaceSnapshot {
        WorkspaceSnapshot(
            workspace: WorkspaceInfo(name: "squad-a", path: "/w", cardPrefix: "SHP",
                                     environments: [EnvironmentInfo(name: "test", protected: false), EnvironmentInfo(name: "prod", protected: true)],
                                     currentEnvironment: "test"),
            currentUser: Person(handle: "ana", name: "Ana", roles: ["dev"]),
            onCall: [OnCallSlot(rota: "dingo", person: "ben", until: nil), OnCallSlot(rota: "owl", person: nil, until: nil)],
            board: BoardSnapshot(columns: [
                BoardColumn(name: "Backlog", wipLimit: nil, cards: [card(1, "Retry budget", "Backlog"), card(2, "Runbook", "Backlog")]),
                BoardColumn(name: "In Progress", wipLimit: 1, cards: [card(3, "Idempotency keys", "In Progress", assignee: "ana"), card(4, "Stale prices", "In Progress")]),
                BoardColumn(name: "Done", wipLimit: nil, cards: [card(5, "Status endpoint", "Done")]),
            ]),
            pipelines: [
                ServicePipelines(service: "orders", pipelineFile: ".buildkite/pipeline.yml", builds: [
                    BuildRecord(id: 1, service: "orders", number: 7, commit: "abc1234def", branch: "main", message: "SHP-3 keys", state: .passed, createdAt: now, finishedAt: now,
                                jobs: [JobRecord(id: "lint", label: "Lint", kind: "command", state: .passed, exitStatus: 0)]),
                ]),
                ServicePipelines(service: "payments", pipelineFile: ".buildkite/pipeline.yml", builds: []),
            ],
            fleet: [
                FleetRow(service: "orders", environment: "test", port: 8100, desiredInstances: 1, image: nil, instances: []),
                FleetRow(service: "orders", environment: "prod", port: 9100, desiredInstances: 2, image: nil, instances: []),
                FleetRow(service: "payments", environment: "test", port: 8101, desiredInstances: 1, image: nil, instances: []),
            ],
            alerts: [Incident(id: 1, dedupKey: "orders/health", summary: "orders health CRITICAL", source: "orders-prod-1-1", severity: .critical,
                              urgency: .high, service: "orders", environment: "prod", integration: "health", createdAt: now)],
            runningDeploys: runningDeploys)
    }

    /// A driver over an in-memory terminal of `width`×`height`, rendered once.
    static func driver(width: Int = 80, height: Int = 24, snapshot: WorkspaceSnapshot = snapshot(), glyphs: Glyphs = .unicode) -> (AppDriver, MemoryBackend) {
        let backend = MemoryBackend(size: Size(width: width, height: height))
        let model = Model(snapshot: snapshot, size: backend.size, now: now, timeZone: TimeZone(identifier: "UTC")!, glyphs: glyphs,
                          themeNames: ["default", "dracula", "light"])
        let driver = AppDriver(model: model, backend: backend)
        driver.render()
        return (driver, backend)
    }
}

extension AppDriver {
    /// Presses keys given as text (each character one key), rendering after each; returns all effects.
    @discardableResult
    func type(_ text: String) -> [Effect] {
        var effects: [Effect] = []
        for character in text {
            effects += handle(.key(character == "\n" ? .enter : .character(character)))
            render()
        }
        return effects
    }

    @discardableResult
    func press(_ keys: Key...) -> [Effect] {
        var effects: [Effect] = []
        for key in keys {
            effects += handle(.key(key))
            render()
        }
        return effects
    }
}
