import Foundation
import ShipdeckCore

/// The plain-text form of the snapshot that `shipdeck status` prints.
public enum StatusText {
    public static func render(_ snapshot: WorkspaceSnapshot) -> String {
        var lines = ["Workspace \(snapshot.workspace.name) (\(snapshot.workspace.path)), environment \(snapshot.workspace.currentEnvironment)"]
        lines.append("User: \(snapshot.currentUser?.handle ?? "unknown")")
        lines.append("On call: " + snapshot.onCall.map { "\($0.rota) \($0.person ?? "—")" }.joined(separator: ", "))
        lines.append("Board: " + snapshot.board.columns.map { "\($0.name) \($0.cards.count)" + ($0.wipLimit.map { "/\($0)" } ?? "") }.joined(separator: " · "))
        lines.append("Pipelines:")
        for service in snapshot.pipelines {
            lines.append("  \(service.service): " + (service.builds.first.map { "#\($0.number) \($0.state.rawValue)" } ?? "no builds yet"))
        }
        lines.append("Fleet:")
        for row in snapshot.fleet {
            lines.append("  \(row.service)/\(row.environment): \(row.instances.filter { $0.state == .healthy && $0.active }.count)/\(row.desiredInstances) up, \(row.image ?? "not deployed")")
        }
        lines.append("Alerts: \(snapshot.alerts.isEmpty ? "none open" : "\(snapshot.alerts.count) open")")
        for alert in snapshot.alerts { lines.append("  [\(alert.severity.rawValue)] \(alert.summary)") }
        return lines.joined(separator: "\n")
    }
}
