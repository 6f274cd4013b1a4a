import Foundation

/// The board's commands: cards added, edited, moved, reordered, assigned, deleted and imported on
/// behalf of a person, checked against the board's rules (columns, Done only in prod).
extension WorkspaceCore {
    func performBoard(_ command: CoreCommand, as person: PersonConfig) async throws -> CommandOutcome {
        await lock()
        defer { unlock() }
        let now = clock.now
        let board = config.board
        switch command {
        case .moveCard(let id, let column, let override):
            try requireColumn(column)
            guard let card = try await store.card(id: id) else { throw Self.noCard(id) }
            var overridden = false
            if column == board.doneColumn, card.column != column, let prod = self.board.rules.prodEnvironment,
               !card.commits.isEmpty, !card.runs(in: prod) {
                guard override else {
                    let missing = card.commits.filter { !$0.runsIn.contains(prod) }.map { "\($0.service) \($0.shortSHA)" }
                    throw ShipdeckError(.refused, "\(id) cannot move to \(column): its change is not running in \(prod) (\(missing.joined(separator: ", ")))",
                                        field: id, hint: "deploy it to \(prod) and the board moves it by itself; or override (the dashboard asks, the CLI takes --force), which the card's history records")
                }
                overridden = true
            }
            let logged: LogEntryMaker<Card> = { @Sendable card in try Self.logEntry(.cardUpdated(card: card)) }
            let log: LogEntryMaker<Card>? = overridden ? nil : logged
            let moved = try await store.moveCard(id: id, toColumn: column, by: person.handle, at: now, log: log)
            if overridden {
                var card = moved.value
                card.inProdSince = nil
                try await save([CardChange(card, "moved to \(column) by hand although its change is not running in \(self.board.rules.prodEnvironment ?? "prod") (override)")],
                               by: person.handle, at: now)
            } else {
                deliver(.cardUpdated(card: moved.value), sequence: moved.sequence, at: now)
            }
        case .deleteCard(let id):
            let by = person.handle
            let deleted = try await store.deleteCard(id: id, by: by, at: now, log: { try Self.logEntry(.cardDeleted(id: $0.id, by: by)) })
            deliver(.cardDeleted(id: id, by: by), sequence: deleted.sequence, at: now)
        case .addCard(let title, let description, let services, let labels, let assignee, let column):
            let column = column ?? board.columns[0].name
            try requireColumn(column)
            let fields = try validated(title: title, services: services, labels: labels, assignee: assignee)
            let number = try await store.nextCardNumber()
            let position = (try await store.cards().filter { $0.column == column }.map(\.position).max() ?? -1) + 1
            let card = Card(id: "\(config.cardPrefix)-\(number)", title: fields.title, description: description, column: column, position: position,
                            assignee: fields.assignee, labels: fields.labels, services: fields.services, createdAt: now, updatedAt: now)
            try await save([CardChange(card, "created in \(column)")], by: person.handle, at: now)
            self.board.notify(.cardsAdded)
            return CommandOutcome(card: card.id)
        case .editCard(let id, let title, let description, let services, let labels, let assignee):
            guard var card = try await store.card(id: id) else { throw Self.noCard(id) }
            let fields = try validated(title: title, services: services, labels: labels, assignee: assignee)
            var changed: [String] = []
            if card.title != fields.title { changed.append("title") }
            if card.description != description { changed.append("description") }
            if card.services != fields.services { changed.append("services") }
            if card.labels != fields.labels { changed.append("labels") }
            if card.assignee != fields.assignee { changed.append("assignee") }
            guard !changed.isEmpty else { return CommandOutcome() }
            card.title = fields.title
            card.description = description
            card.services = fields.services
            card.labels = fields.labels
            card.assignee = fields.assignee
            card.updatedAt = now
            try await save([CardChange(card, "edited " + changed.joined(separator: ", "))], by: person.handle, at: now)
        case .reorderCard(let id, let delta):
            guard let card = try await store.card(id: id) else { throw Self.noCard(id) }
            var column = try await store.cards().filter { $0.column == card.column }
            column.sort { ($0.position, $0.id) < ($1.position, $1.id) }
            guard let from = column.firstIndex(where: { $0.id == id }) else { return CommandOutcome() }
            let to = max(0, min(column.count - 1, from + delta))
            guard to != from else { return CommandOutcome() }
            let moving = column.remove(at: from)
            column.insert(moving, at: to)
            var changes: [CardChange] = []
            for (position, var other) in column.enumerated() where other.position != position || other.id == id {
                other.position = position
                if other.id == id { other.updatedAt = now }
                changes.append(CardChange(other, other.id == id ? "moved \(delta < 0 ? "up" : "down") to place \(to + 1) in \(card.column)" : nil))
            }
            try await save(changes, by: person.handle, at: now)
        case .assignCard(let id, let handle):
            guard var card = try await store.card(id: id) else { throw Self.noCard(id) }
            if let handle { _ = try validated(title: card.title, services: [], labels: [], assignee: handle) }
            guard card.assignee != handle else { return CommandOutcome() }
            card.assignee = handle
            card.updatedAt = now
            try await save([CardChange(card, handle.map { "assigned to \($0)" } ?? "unassigned")], by: person.handle, at: now)
        case .importCards(let cards):
            let changes = try await importChanges(cards)
            try await save(changes, by: person.handle, at: now)
            let highest = cards.compactMap { Int($0.id.split(separator: "-").last ?? "") }.max() ?? 0
            try await store.reserveCardNumbers(through: highest)
            self.board.notify(.cardsAdded)
        default:
            break
        }
        return CommandOutcome()
    }

    /// Stores and publishes cards changed by a person or by the board; callers hold the lock.
    private func save(_ changes: [CardChange], by person: String, at date: Date) async throws {
        let saved = try await store.saveCards(changes, by: person, at: date, log: { try Self.logEntry(.cardUpdated(card: $0)) })
        for logged in saved { deliver(.cardUpdated(card: logged.value), sequence: logged.sequence, at: date) }
    }

    /// Checks every card of an import before any is stored, and keeps the commits and prod state the
    /// board already knows for cards it replaces.
    private func importChanges(_ cards: [Card]) async throws -> [CardChange] {
        var seen: Set<String> = []
        let existing = Dictionary(try await store.cards().map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        var changes: [CardChange] = []
        for (index, card) in cards.enumerated() {
            let field = "cards[\(index)]"
            guard card.id.hasPrefix("\(config.cardPrefix)-"), Int(card.id.dropFirst(config.cardPrefix.count + 1)) != nil else {
                throw ShipdeckError(.invalid, "\(field): '\(card.id)' is not a card id of this workspace", field: "\(field).id",
                                    hint: "ids look like \(config.cardPrefix)-12 (the workspace's card_prefix, a dash and a number)")
            }
            guard seen.insert(card.id).inserted else {
                throw ShipdeckError(.invalid, "\(field): \(card.id) appears twice in the import", field: "\(field).id", hint: "keep one of them")
            }
            guard config.board.index(of: card.column) != nil else {
                throw ShipdeckError(.invalid, "\(field) (\(card.id)): there is no column '\(card.column)' on the board", field: "\(field).column",
                                    hint: Suggestion.hint(for: card.column, in: config.board.columns.map(\.name)))
            }
            do {
                _ = try validated(title: card.title, services: card.services, labels: card.labels, assignee: card.assignee)
            } catch let error as ShipdeckError {
                throw ShipdeckError(error.kind, "\(field) (\(card.id)): \(error.message)", field: "\(field).\(error.field ?? "")", hint: error.hint)
            }
            var imported = card
            if let known = existing[card.id] {
                if imported.commits.isEmpty { imported.commits = known.commits }
                imported.inProdSince = imported.inProdSince ?? known.inProdSince
            }
            changes.append(CardChange(imported, existing[card.id] == nil ? "imported into \(card.column)" : "replaced by an import"))
        }
        return changes
    }

    private func requireColumn(_ column: String) throws {
        guard config.board.index(of: column) != nil else {
            throw ShipdeckError(.invalid, "there is no column '\(column)' on the board", field: "column",
                                hint: Suggestion.hint(for: column, in: config.board.columns.map(\.name)))
        }
    }

    /// The fields as stored: trimmed, without empty or repeated entries, and only known services and people.
    private func validated(title: String, services: [String], labels: [String], assignee: String?) throws
        -> (title: String, services: [String], labels: [String], assignee: String?) {
        let title = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else {
            throw ShipdeckError(.invalid, "a card needs a title", field: "title", hint: "say in a few words what the change is")
        }
        func clean(_ list: [String]) -> [String] {
            var result: [String] = []
            for item in list.map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty && !result.contains(item) { result.append(item) }
            return result
        }
        let services = clean(services)
        for service in services where config.service(named: service) == nil {
            throw ShipdeckError(.notFound, "there is no service '\(service)'", field: "services",
                                hint: Suggestion.hint(for: service, in: config.services.map(\.name)))
        }
        let assignee = assignee.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        if let assignee, config.person(assignee) == nil {
            throw ShipdeckError(.notFound, "'\(assignee)' is not a member of this workspace", field: "assignee",
                                hint: Suggestion.hint(for: assignee, in: config.people.map(\.handle)))
        }
        return (title, services, clean(labels), assignee)
    }

    static func noCard(_ id: String) -> ShipdeckError {
        ShipdeckError(.notFound, "there is no card \(id)", field: id, hint: "check the card id with `shipdeck card list`; it may have been deleted")
    }
}

extension WorkspaceCore: BoardRecorder {
    /// Stores and publishes the cards the board engine moved or linked. The engine read them without
    /// the lock, so only the fields it owns (column, commits, services, flag, time in prod) are taken
    /// over onto each card as stored now; a card deleted meanwhile stays deleted.
    public func recordCards(_ changes: [CardChange], by person: String) async throws -> [Card] {
        await lock()
        defer { unlock() }
        let now = clock.now
        var merged: [CardChange] = []
        var ends: [String: Int] = [:]
        for change in changes {
            guard var card = try await store.card(id: change.card.id) else { continue }
            if card.column != change.card.column {
                if ends[change.card.column] == nil {
                    ends[change.card.column] = try await store.cards().filter { $0.column == change.card.column }.map(\.position).max() ?? -1
                }
                ends[change.card.column]! += 1
                card.position = ends[change.card.column]!
                card.column = change.card.column
                card.updatedAt = now
            }
            card.commits = change.card.commits
            card.flag = change.card.flag
            card.inProdSince = change.card.inProdSince
            for service in change.card.services where !card.services.contains(service) { card.services.append(service) }
            merged.append(CardChange(card, change.change))
        }
        let saved = try await store.saveCards(merged, by: person, at: now, log: { try Self.logEntry(.cardUpdated(card: $0)) })
        for logged in saved { deliver(.cardUpdated(card: logged.value), sequence: logged.sequence, at: now) }
        return saved.map(\.value)
    }
}
