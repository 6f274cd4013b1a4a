import Foundation
import ShipdeckCore

/// What changed for an alert's service in the window before it opened, read from the snapshot.
struct AlertChanges {
    enum Rollback: Equatable {
        case to(from: String, to: String)
        case unavailable(String)
    }

    var deploys: [DeployRecord] = []
    var builds: [BuildRecord] = []
    var rollback: Rollback = .unavailable("the alert names no service and environment")
    /// The service's row in the alert's environment, when the fleet has it.
    var row: FleetRow?

    init(_ incident: Incident, snapshot: WorkspaceSnapshot?, window: Double) {
        guard let service = incident.service, let snapshot else { return }
        let start = incident.createdAt.addingTimeInterval(-window), end = incident.createdAt
        let rows = snapshot.fleet.filter { $0.service == service && (incident.environment == nil || $0.environment == incident.environment) }
        deploys = rows.flatMap(\.history).filter { $0.startedAt >= start && $0.startedAt <= end }.sorted { $0.startedAt > $1.startedAt }
        builds = (snapshot.pipelines.first { $0.service == service }?.builds ?? [])
            .filter { build in [build.createdAt, build.finishedAt ?? build.createdAt].contains { $0 >= start && $0 <= end } }
            .sorted { $0.createdAt > $1.createdAt }
        guard let environment = incident.environment else {
            rollback = .unavailable("the alert names no environment")
            return
        }
        row = rows.first { $0.environment == environment }
        guard let row else {
            rollback = .unavailable("\(service) does not run in \(environment)")
            return
        }
        if let previous = row.previousGoodImage {
            rollback = .to(from: row.image ?? "nothing", to: previous)
        } else {
            rollback = .unavailable("\(row.name) has no earlier good image")
        }
    }
}

extension FleetRow {
    /// The image a rollback goes back to: the newest succeeded deploy of another image.
    var previousGoodImage: String? { history.first { $0.outcome == .succeeded && $0.image != image }?.image }
}
