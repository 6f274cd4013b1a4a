import Foundation
import ShipdeckCore
import TerminalUI

/// One row of a list pane: what it shows and the text a filter searches.
public struct PaneRow: Sendable, Equatable {
    public var id: String
    public var cells: [String]
    public var styles: [ThemeRole]
    public var searchText: String
}

/// The rows of the list panes (pipelines, fleet, alerts), derived from the snapshot and filtered.
/// The board has its own columns (`BoardLayout`).
public enum PaneRows {
    public static func header(_ pane: PaneID) -> [String] {
        switch pane {
        case .board: return ["Card", "Title"]
        case .pipelines: return ["Service", "Last build", "Branch", "Pipeline"]
        case .fleet: return ["Service", "Env", "Up", "Port", "Image"]
        case .alerts: return ["Sev", "State", "Summary", "Service"]
        }
    }

    public static func widths(_ pane: PaneID, total: Int) -> [Int] {
        switch pane {
        case .board: return [8, max(4, total - 9)]
        case .pipelines: return [14, 16, 10, max(4, total - 43)]
        case .fleet: return [14, 6, 5, 6, max(4, total - 35)]
        case .alerts: return [5, 7, max(4, total - 34), 19]
        }
    }

    /// All rows of `pane`, before filtering.
    public static func all(_ pane: PaneID, snapshot: WorkspaceSnapshot?, now: Date) -> [PaneRow] {
        guard let snapshot else { return [] }
        switch pane {
        case .board:
            return snapshot.board.columns.flatMap { column in
                column.cards.map { card in
                    PaneRow(id: card.id, cells: [card.id, card.title], styles: [.muted, .text],
                            searchText: [card.id, card.title, column.name, card.assignee ?? "", card.labels.joined(separator: " "), card.services.joined(separator: " ")].joined(separator: " "))
                }
            }
        case .pipelines:
            return snapshot.pipelines.map { service in
                let last = service.builds.first
                let build = last.map { "#\($0.number) \($0.state.rawValue)" } ?? "no builds yet"
                let role: ThemeRole = switch last?.state {
                case .passed?: .ok
                case .failed?: .critical
                case .running?, .scheduled?: .info
                case .blocked?: .warning
                default: .muted
                }
                return PaneRow(id: service.service, cells: [service.service, build, last?.branch ?? "—", service.pipelineFile],
                               styles: [.text, role, .muted, .muted], searchText: "\(service.service) \(build) \(service.pipelineFile)")
            }
        case .fleet:
            return snapshot.fleet.map { row in
                let up = row.instances.filter { $0.state == .running }.count
                let role: ThemeRole = row.instances.isEmpty ? .muted : up >= row.desiredInstances ? .ok : .warning
                return PaneRow(id: "\(row.service)/\(row.environment)",
                               cells: [row.service, row.environment, "\(up)/\(row.desiredInstances)", ":\(row.port)", row.image ?? "not deployed"],
                               styles: [.text, .info, role, .muted, row.image == nil ? .muted : .text],
                               searchText: "\(row.service) \(row.environment) \(row.image ?? "")")
            }
        case .alerts:
            return snapshot.alerts.map { alert in
                let role: ThemeRole = switch alert.severity {
                case .critical, .error: .critical
                case .warning: .warning
                case .info: .info
                }
                return PaneRow(id: String(alert.id), cells: [alert.severity.rawValue.prefix(4).uppercased(), alert.state.rawValue.prefix(7).description, alert.summary, alert.service ?? "—"],
                               styles: [role, alert.state == .triggered ? .critical : .muted, .text, .muted],
                               searchText: "\(alert.summary) \(alert.service ?? "") \(alert.severity.rawValue) \(alert.state.rawValue)")
            }
        }
    }

    /// Rows of `pane` that match its filter (case-insensitive, every word must match).
    public static func visible(_ pane: PaneID, model: Model) -> [PaneRow] {
        let rows = all(pane, snapshot: model.snapshot, now: model.now)
        guard let filter = model.activeFilter(pane), !filter.isEmpty else { return rows }
        let words = filter.lowercased().split(separator: " ")
        return rows.filter { row in
            let text = row.searchText.lowercased()
            return words.allSatisfy { text.contains($0) }
        }
    }
}

extension Model {
    /// The filter in effect for `pane`: the one being typed, else the applied one.
    public func activeFilter(_ pane: PaneID) -> String? {
        if pane == focus, case .filter(let field) = mode { return field.text }
        return filters[pane]
    }
}
