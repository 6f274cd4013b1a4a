import Foundation

/// Builds a `WorkspaceSnapshot` from the config and the store.
enum SnapshotBuilder {
    /// How many recent builds each service shows.
    static let buildsPerService = WorkspaceSnapshot.buildsPerService

    static func build(config: WorkspaceConfig, store: any Store, loginName: String?, now: Date) async throws -> WorkspaceSnapshot {
        var info = WorkspaceInfo(
            name: config.name, path: config.directory.path, cardPrefix: config.cardPrefix,
            environments: config.environments.map { EnvironmentInfo(name: $0.name, protected: $0.protected) },
            currentEnvironment: config.currentEnvironment)
        info.alertBell = config.alerts.bell
        info.alertChangeWindow = config.alerts.changeWindow
        let handle = config.user ?? loginName.flatMap { config.person($0)?.handle }
        var pipelines: [ServicePipelines] = []
        for service in config.services {
            let file = (service.repo as NSString).appendingPathComponent(service.pipeline)
            pipelines.append(ServicePipelines(service: service.name, pipelineFile: file,
                                              builds: try await store.recentBuilds(service: service.name, limit: buildsPerService)))
        }
        return WorkspaceSnapshot(
            workspace: info, currentUser: handle.flatMap { config.person($0)?.person },
            onCall: OnCallSchedule(config: config.onCall).slots(at: now),
            board: board(config: config, cards: try await store.cards()), pipelines: pipelines,
            fleet: fleet(config: config),
            alerts: alerts(try await store.incidents(resolvedAfter: now.addingTimeInterval(-WorkspaceSnapshot.resolvedAlertsWindow),
                                                     limit: 10_000)))
    }

    /// Every open incident and, up to `alertsShown` in all, the newest resolved ones, newest first:
    /// what folding the changes in keeps, so a restarted core lists the same open incidents.
    static func alerts(_ incidents: [Incident]) -> [Incident] {
        var room = max(0, WorkspaceSnapshot.alertsShown - incidents.filter(\.isOpen).count)
        return incidents.filter { incident in
            if incident.isOpen { return true }
            guard room > 0 else { return false }
            room -= 1
            return true
        }
    }

    /// Config columns with their cards; a card whose column is no longer configured shows in the first column.
    static func board(config: WorkspaceConfig, cards: [Card]) -> BoardSnapshot {
        var columns = config.board.columns.map { BoardColumn(name: $0.name, wipLimit: $0.wip, cards: []) }
        for card in cards {
            let index = columns.firstIndex { $0.name == card.column } ?? 0
            if columns.indices.contains(index) { columns[index].cards.append(card) }
        }
        for index in columns.indices { columns[index].cards.sort { ($0.position, $0.id) < ($1.position, $1.id) } }
        return BoardSnapshot(columns: columns, doneColumn: config.board.doneColumn)
    }

    /// One row per service × environment with the desired count and no instances yet.
    static func fleet(config: WorkspaceConfig) -> [FleetRow] {
        config.services.flatMap { service in
            config.environments.map { environment in
                FleetRow(service: service.name, environment: environment.name,
                         port: config.endpointPort(service: service, environment: environment.name),
                         desiredInstances: service.instances[environment.name] ?? 0, image: nil, instances: [])
            }
        }
    }
}
