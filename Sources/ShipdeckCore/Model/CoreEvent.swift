import Foundation

/// A change the core publishes. Dashboards fold events into their snapshot; the next issue carries
/// them over the local API with the same sequence numbers.
public struct CoreEvent: Codable, Sendable, Equatable {
    public var sequence: Int64
    public var at: Date
    public var change: Change

    public enum Change: Codable, Sendable, Equatable {
        /// The whole state, sent first to every subscriber and after changes that touch many parts.
        case snapshot(state: WorkspaceSnapshot)
        case cardUpdated(card: Card)
        case cardDeleted(id: String, by: String)
        case notice(text: String)
        /// A build was created or changed (its state, a job's state).
        case buildUpdated(build: BuildRecord)
        /// A service in an environment changed: its instances, traffic, deploy in flight or history.
        case fleetUpdated(row: FleetRow)
        /// An instance's check changed HARD state or started or stopped flapping (the row carries the
        /// state; this is the change itself, for the alerts engine and the status line).
        case healthChanged(event: HealthEvent)
        /// An incident opened or changed (a trigger, an acknowledgement, a page, a note…).
        case incidentUpdated(incident: Incident)
    }

    public init(sequence: Int64, at: Date, change: Change) {
        self.sequence = sequence
        self.at = at
        self.change = change
    }
}

extension WorkspaceSnapshot {
    /// Folds one event into the snapshot; the same code runs for an in-process and a remote core.
    public mutating func apply(_ change: CoreEvent.Change) {
        switch change {
        case .snapshot(let whole):
            self = whole
        case .cardUpdated(let card):
            for index in board.columns.indices {
                board.columns[index].cards.removeAll { $0.id == card.id }
            }
            if let index = board.columns.firstIndex(where: { $0.name == card.column }) {
                var cards = board.columns[index].cards
                cards.append(card)
                cards.sort { ($0.position, $0.id) < ($1.position, $1.id) }
                board.columns[index].cards = cards
            }
        case .cardDeleted(let id, _):
            for index in board.columns.indices {
                board.columns[index].cards.removeAll { $0.id == id }
            }
        case .notice, .healthChanged:
            break
        case .incidentUpdated(let incident):
            // Newest first: replaced in place or inserted where it belongs. Runs for every incident
            // change (thousands a second under an Events API burst), so it neither sorts nor copies
            // the incidents it looks at.
            let (index, found) = alerts.position(of: incident.id)
            if found { alerts[index] = incident } else { alerts.insert(incident, at: index) }
            // Resolved incidents beyond what the pane shows fall off; open ones always stay.
            while alerts.count > WorkspaceSnapshot.alertsShown, let index = alerts.lastResolvedIndex() {
                alerts.remove(at: index)
            }
        case .buildUpdated(let build):
            guard let index = pipelines.firstIndex(where: { $0.service == build.service }) else { break }
            var builds = pipelines[index].builds
            if let existing = builds.firstIndex(where: { $0.id == build.id }) {
                builds[existing] = build
            } else {
                builds.insert(build, at: 0)
                builds.sort { $0.number > $1.number }
                if builds.count > WorkspaceSnapshot.buildsPerService { builds.removeLast(builds.count - WorkspaceSnapshot.buildsPerService) }
            }
            pipelines[index].builds = builds
        case .fleetUpdated(let row):
            if let index = fleet.firstIndex(where: { $0.service == row.service && $0.environment == row.environment }) {
                fleet[index] = row
            } else {
                fleet.append(row)
            }
        }
    }
}

extension WorkspaceSnapshot {
    /// How many recent builds each service keeps in the snapshot.
    public static let buildsPerService = 20
    /// How many incidents the snapshot carries (every open one, then the newest resolved).
    public static let alertsShown = 100
    /// Resolved incidents stay in the snapshot this many seconds.
    public static let resolvedAlertsWindow: Double = 86_400
}

extension [Incident] {
    // These read one field of each incident in place: a closure given the incident (`firstIndex(where:)`)
    // gets a copy, and copying an incident retains each of its strings and arrays.

    /// The index of the incident with `id` (found), or where it belongs among these, newest first.
    fileprivate func position(of id: Int64) -> (index: Int, found: Bool) {
        withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return (0, false) }
            for index in 0..<buffer.count {
                let other = (base + index).pointee.id
                if other <= id { return (index, other == id) }
            }
            return (buffer.count, false)
        }
    }

    fileprivate func lastResolvedIndex() -> Int? {
        withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return nil }
            return (0..<buffer.count).last { (base + $0).pointee.state == .resolved }
        }
    }
}
