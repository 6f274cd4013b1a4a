import Foundation
import ShipdeckCore
import TerminalUI

/// One row of a list pane, ready to draw.
public struct PaneRow: Sendable, Equatable {
    public var id: String
    public var cells: [String]
    public var styles: [ThemeRole]
}

/// The rows of the list panes (pipelines, fleet, alerts), derived from the snapshot and filtered.
/// The board has its own columns (`BoardLayout`).
public enum PaneRows {
    public static func header(_ pane: PaneID) -> [String] {
        switch pane {
        case .board: return ["Card", "Title"]
        case .pipelines: return ["Build", "State", "Branch", "Message", "Author", "Took"]
        case .fleet: return ["Service", "Env", "Up", "Req/s", "Err", "p99", "Image"]
        case .alerts: return AlertView.header
        }
    }

    public static func widths(_ pane: PaneID, total: Int) -> [Int] {
        switch pane {
        case .board: return [8, max(4, total - 9)]
        case .pipelines:
            let message = max(8, total - 16 - 13 - 11 - 11 - 7)
            return [16, 13, 11, message, 11, 7]
        case .fleet: return [14, 5, 5, 6, 6, 7, max(4, total - 48)]
        case .alerts: return AlertView.widths(total: total)
        }
    }

    /// How many rows `pane` has before filtering. O(1) for the list panes.
    public static func count(_ pane: PaneID, snapshot: WorkspaceSnapshot?) -> Int {
        guard let snapshot else { return 0 }
        switch pane {
        case .board: return snapshot.board.cardCount
        case .pipelines: return snapshot.pipelines.reduce(0) { $0 + $1.builds.count }
        case .fleet: return snapshot.fleet.count
        case .alerts: return snapshot.alerts.count
        }
    }

    /// The text a filter searches in row `index` of a list pane.
    static func searchText(_ pane: PaneID, _ index: Int, snapshot: WorkspaceSnapshot, order: [BuildRef], alertOrder: [Int]) -> String {
        switch pane {
        case .board: return ""
        case .pipelines:
            let build = order[index].build(in: snapshot)
            return "\(build.name) \(build.state.rawValue) \(build.branch) \(build.message) \(build.author) \(build.startedBy ?? "")"
        case .fleet:
            let row = snapshot.fleet[index]
            return "\(row.service) \(row.environment) \(row.image ?? "")"
        case .alerts:
            return AlertView.searchText(snapshot.alerts[alertOrder[index]])
        }
    }

    /// The text a filter searches on a card.
    static func searchText(_ card: Card) -> String {
        [card.id, card.title, card.description, card.column, card.assignee ?? "", card.labels.joined(separator: " "),
         card.services.joined(separator: " ")].joined(separator: " ")
    }

    /// Row `index` of a list pane (pipelines, fleet, alerts), built for drawing.
    public static func row(_ pane: PaneID, _ index: Int, model: Model) -> PaneRow {
        guard let snapshot = model.snapshot else { return PaneRow(id: "", cells: [], styles: []) }
        let (now, glyphs) = (model.now, model.glyphs)
        switch pane {
        case .board:
            // The board draws its own columns (BoardView); it has no list rows.
            return PaneRow(id: "", cells: [], styles: [])
        case .pipelines:
            let build = model.filterCache.buildOrder[index].build(in: snapshot)
            let took = build.startedAt.map { ClockFormat.duration(from: $0, to: build.finishedAt ?? now) } ?? ""
            let unblocked = build.jobs.compactMap(\.unblockedBy)
            let message = build.message + (unblocked.isEmpty ? "" : " (unblocked by \(unblocked.joined(separator: ", ")))")
            return PaneRow(id: build.name, cells: [build.name, BuildGlyphs.label(build.state, glyphs), build.branch, message, build.author, took],
                           styles: [.text, BuildGlyphs.role(build.state), .muted, .text, .muted, .muted])
        case .fleet:
            let row = snapshot.fleet[index]
            let up = row.instances.filter { $0.state == .healthy && $0.active }.count
            let role: ThemeRole = row.instances.isEmpty ? .muted : up >= row.desiredInstances ? .ok : .warning
            let traffic = row.traffic
            let idle = traffic.requestsPerSecond == 0
            var image = row.deploy.map { "→ \($0.image) \($0.progress ?? "")" } ?? row.image ?? "not deployed"
            if row.endpointError != nil { image = "\(glyphs.warning) endpoint :\(row.port) not listening · " + image }
            // Alerts held for serving instances (a deploy's own groups show as the deploy).
            let held = FleetView.heldMarks(row)
            if !held.isEmpty { image = "\(held) · " + image }
            return PaneRow(id: "\(row.service)/\(row.environment)",
                           cells: [row.service, row.environment, "\(up)/\(row.desiredInstances)",
                                   idle ? "—" : String(format: "%.1f", traffic.requestsPerSecond),
                                   idle ? "—" : String(format: "%.1f%%", traffic.errorRate * 100),
                                   idle ? "—" : FleetView.milliseconds(traffic.p99), image],
                           styles: [.text, .info, role, .muted, traffic.errorRate > 0.01 ? .critical : .muted, .muted,
                                    row.deploy != nil || row.endpointError != nil || !held.isEmpty ? .warning : row.image == nil ? .muted : .text])
        case .alerts:
            return AlertView.row(snapshot.alerts[model.filterCache.alertOrder[index]], model: model)
        }
    }

    /// Which rows of a list pane pass `filter`: nil when every row does (no filter). `texts` holds
    /// each row's lowercased search text, made once per change of the pane rather than per key typed.
    static func matchingIndices(_ pane: PaneID, snapshot: WorkspaceSnapshot?, filter: String?, texts: [String]) -> [Int]? {
        guard snapshot != nil, let filter, !filter.isEmpty else { return nil }
        let words = filter.lowercased().split(separator: " ").map(String.init)
        return texts.indices.filter { index in words.allSatisfy { CardFilter.bytes(of: texts[index], contain: $0) } }
    }

    /// Every row's lowercased search text, in row order (the board: every card's, in board order).
    static func searchTexts(_ pane: PaneID, snapshot: WorkspaceSnapshot?, order: [BuildRef], alertOrder: [Int]) -> [String] {
        guard let snapshot else { return [] }
        if pane == .board { return snapshot.board.columns.flatMap { $0.cards.map { searchText($0).lowercased() } } }
        return (0..<count(pane, snapshot: snapshot)).map {
            searchText(pane, $0, snapshot: snapshot, order: order, alertOrder: alertOrder).lowercased()
        }
    }

    /// The ids of the cards that pass the board's filter (`CardFilter`): nil when every card does.
    /// `texts` holds each card's lowercased search text, made once per board change rather than per key typed.
    static func matchingCards(snapshot: WorkspaceSnapshot?, filter: String?, texts: [String]) -> Set<String>? {
        guard let snapshot, let filter, !filter.isEmpty else { return nil }
        let parsed = CardFilter(filter)
        var matching: Set<String> = []
        var index = 0
        for column in snapshot.board.columns {
            for card in column.cards {
                if parsed.matches(card, text: index < texts.count ? texts[index] : searchText(card).lowercased()) { matching.insert(card.id) }
                index += 1
            }
        }
        return matching
    }

    /// How many rows of `pane` pass its filter.
    public static func visibleCount(_ pane: PaneID, model: Model) -> Int {
        model.filterCache.indices[pane]?.count ?? count(pane, snapshot: model.snapshot)
    }

    /// The source index of the `position`-th visible row of `pane`.
    public static func sourceIndex(_ pane: PaneID, position: Int, model: Model) -> Int {
        model.filterCache.indices[pane].map { $0[position] } ?? position
    }

    /// The visible rows `range` of `pane` (positions after filtering), built for drawing.
    public static func visible(_ pane: PaneID, model: Model, range: Range<Int>? = nil) -> [PaneRow] {
        guard model.snapshot != nil else { return [] }
        let total = visibleCount(pane, model: model)
        let window = (range ?? 0..<total).clamped(to: 0..<total)
        return window.map { row(pane, sourceIndex(pane, position: $0, model: model), model: model) }
    }
}

/// Which rows pass each pane's filter, recomputed only when the snapshot or a filter changes, so a
/// clock tick or a cursor move over 10,000 rows does no filtering work.
public struct FilterCache: Sendable, Equatable {
    /// Matching row indices per list pane; absent when the pane has no filter.
    public var indices: [PaneID: [Int]] = [:]
    /// Matching card ids; nil when the board has no filter.
    public var cards: Set<String>?
    /// The snapshot version and filter text each entry was computed for.
    var keys: [PaneID: FilterKey] = [:]
    /// Every build of every service, newest first: the Pipelines pane's rows before filtering.
    public var buildOrder: [BuildRef] = []
    var buildOrderVersion = -1
    var alertOrderVersion = -1
    /// Each row's (the board: each card's, in board order) lowercased search text per pane, made once
    /// per change of the pane for typing a filter over 10,000 rows, and the pane version it was made for.
    var rowTexts: [PaneID: [String]] = [:]
    var rowTextsVersion: [PaneID: Int] = [:]
    /// The Alerts pane's rows before filtering, as indices into the snapshot's alerts: open ones
    /// first (triggered, then acknowledged), then the recently resolved.
    public var alertOrder: [Int] = []

    struct FilterKey: Sendable, Equatable {
        var version: Int
        var filter: String?
    }

    public init() {}

    /// Recomputes the entries whose snapshot version or filter text changed.
    mutating func refresh(for model: Model) {
        let pipelines = model.paneVersions[.pipelines] ?? 0, alerts = model.paneVersions[.alerts] ?? 0
        if buildOrderVersion != pipelines {
            buildOrderVersion = pipelines
            buildOrder = model.snapshot.map(BuildRef.newestFirst) ?? []
        }
        if alertOrderVersion != alerts {
            alertOrderVersion = alerts
            alertOrder = model.snapshot.map { AlertView.order($0.alerts) } ?? []
        }
        for pane in PaneID.allCases {
            let key = FilterKey(version: model.paneVersions[pane] ?? 0, filter: model.activeFilter(pane))
            guard keys[pane] != key else { continue }
            keys[pane] = key
            if key.filter?.isEmpty == false, rowTextsVersion[pane] != key.version {
                rowTextsVersion[pane] = key.version
                rowTexts[pane] = PaneRows.searchTexts(pane, snapshot: model.snapshot, order: buildOrder, alertOrder: alertOrder)
            }
            let texts = rowTexts[pane] ?? []
            if pane == .board {
                cards = PaneRows.matchingCards(snapshot: model.snapshot, filter: key.filter, texts: texts)
            } else {
                indices[pane] = PaneRows.matchingIndices(pane, snapshot: model.snapshot, filter: key.filter, texts: texts)
            }
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

/// A build's place in the snapshot: the Pipelines pane lists every service's builds together.
public struct BuildRef: Sendable, Equatable {
    public var service: Int
    public var build: Int

    public func build(in snapshot: WorkspaceSnapshot) -> BuildRecord { snapshot.pipelines[service].builds[build] }

    /// Every build, newest first.
    public static func newestFirst(_ snapshot: WorkspaceSnapshot) -> [BuildRef] {
        var refs: [BuildRef] = []
        for (s, service) in snapshot.pipelines.enumerated() { for b in service.builds.indices { refs.append(BuildRef(service: s, build: b)) } }
        return refs.sorted {
            let a = $0.build(in: snapshot), b = $1.build(in: snapshot)
            return (a.createdAt, a.id) > (b.createdAt, b.id)
        }
    }
}

/// How build and job states look: a glyph and a colour role.
public enum BuildGlyphs {
    public static func label(_ state: BuildRecord.State, _ glyphs: Glyphs) -> String {
        switch state {
        case .passed: return "\(glyphs.ok) passed"
        case .failed: return "\(glyphs.critical) failed"
        case .running: return "\(glyphs.running) running"
        case .blocked: return "\(glyphs.warning) blocked"
        case .scheduled: return "\(glyphs.pending) scheduled"
        case .canceled: return "\(glyphs.critical) canceled"
        }
    }

    public static func role(_ state: BuildRecord.State) -> ThemeRole {
        switch state {
        case .passed: return .ok
        case .failed: return .critical
        case .running, .scheduled: return .info
        case .blocked: return .warning
        case .canceled: return .muted
        }
    }

    public static func label(_ state: JobRecord.State, _ glyphs: Glyphs) -> String {
        switch state {
        case .passed: return "\(glyphs.ok) passed"
        case .unblocked: return "\(glyphs.ok) unblocked"
        case .softFailed: return "\(glyphs.warning) soft failed"
        case .failed: return "\(glyphs.critical) failed"
        case .timedOut: return "\(glyphs.critical) timed out"
        case .lost: return "\(glyphs.critical) lost"
        case .broken: return "\(glyphs.pending) not run"
        case .canceled: return "\(glyphs.critical) canceled"
        case .running: return "\(glyphs.running) running"
        case .blocked: return "\(glyphs.warning) blocked"
        case .waiting: return "\(glyphs.pending) waiting"
        case .waitingForAgent: return "\(glyphs.pending) no agent"
        }
    }

    public static func role(_ state: JobRecord.State) -> ThemeRole {
        switch state {
        case .passed, .unblocked: return .ok
        case .softFailed, .blocked, .waitingForAgent: return .warning
        case .failed, .timedOut, .lost, .canceled: return .critical
        case .running: return .info
        case .waiting, .broken: return .muted
        }
    }
}

extension Model {
    /// The build behind the Pipelines pane's selected row.
    public var selectedBuild: BuildRecord? {
        guard let snapshot, let position = selection[.pipelines], position < PaneRows.visibleCount(.pipelines, model: self) else { return nil }
        let index = PaneRows.sourceIndex(.pipelines, position: position, model: self)
        return index < filterCache.buildOrder.count ? filterCache.buildOrder[index].build(in: snapshot) : nil
    }
}

extension PaneID {
    /// The panes whose rows a snapshot change can alter.
    static func touched(by change: CoreEvent.Change) -> [PaneID] {
        switch change {
        case .snapshot: PaneID.allCases
        case .cardUpdated, .cardDeleted: [.board]
        case .buildUpdated: [.pipelines]
        case .fleetUpdated: [.fleet]
        case .incidentUpdated: [.alerts]
        case .notice, .healthChanged: []
        }
    }
}
