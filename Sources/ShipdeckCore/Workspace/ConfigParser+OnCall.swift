import Foundation
import Yams

extension ConfigParser {
    static let rotaKeys = ["people", "rotation", "handoff", "hours", "days"]

    func onCall(_ node: Node, config: WorkspaceConfig) -> OnCallConfig {
        var result = OnCallConfig()
        guard let table = reader.table(node, path: "oncall", allowed: ["timezone", "rotas"]) else { return result }
        if let node = table["timezone"], let name = reader.string(node, path: "oncall.timezone") {
            if TimeZone(identifier: name) == nil {
                reader.fail(node, "unknown time zone '\(name)' in oncall.timezone", hint: "use an IANA name such as Europe/Berlin or UTC")
            } else {
                result.timeZone = name
            }
        }
        guard let rotas = table["rotas"] else { return result }
        for (name, keyNode, value) in reader.namedEntries(rotas, path: "oncall.rotas") {
            if let rota = rota(name, keyNode: keyNode, value: value, config: config) { result.rotas.append(rota) }
        }
        return result
    }

    private func rota(_ name: String, keyNode: Node, value: Node, config: WorkspaceConfig) -> RotaConfig? {
        let path = "oncall.rotas.\(name)"
        guard let table = reader.table(value, path: path, allowed: Self.rotaKeys, required: ["people", "rotation", "handoff"], at: keyNode)
        else { return nil }
        var valid = true
        var people: [String] = []
        if let list = table["people"], let items = list.sequence {
            for (index, item) in items.enumerated() {
                guard let handle = reader.string(item, path: "\(path).people[\(index)]") else { valid = false; continue }
                if config.person(handle) == nil {
                    reader.fail(item, "\(path) names unknown person '\(handle)'", hint: personHint(handle, config))
                    valid = false
                }
                people.append(handle)
            }
            if items.isEmpty { reader.fail(list, "\(path).people must name at least one person"); valid = false }
        } else if let list = table["people"] {
            reader.fail(list, "\(path).people must be a list of handles", hint: "write e.g. [ana, ben]")
            valid = false
        }
        var rotation = RotaConfig.Rotation.weekly
        if let node = table["rotation"], let text = reader.string(node, path: "\(path).rotation") {
            if let parsed = RotaConfig.Rotation(rawValue: text) { rotation = parsed } else {
                reader.fail(node, "\(path).rotation must be daily or weekly, not '\(text)'",
                            hint: Suggestion.hint(for: text, in: RotaConfig.Rotation.allCases.map(\.rawValue)))
                valid = false
            }
        }
        var handoff = Handoff(time: TimeOfDay(hour: 9, minute: 0))
        if let node = table["handoff"], let text = reader.string(node, path: "\(path).handoff") {
            if let parsed = Handoff(parsing: text) {
                handoff = parsed
                if rotation == .weekly, parsed.weekday == nil {
                    reader.fail(node, "\(path).handoff '\(text)' needs a day for a weekly rotation", hint: "write e.g. \"mon \(text)\"")
                    valid = false
                } else if rotation == .daily, parsed.weekday != nil {
                    reader.fail(node, "\(path).handoff '\(text)' names a day, but the rotation is daily", hint: "write only the time, e.g. \"\(parsed.time)\"")
                    valid = false
                }
            } else {
                reader.fail(node, "\(path).handoff '\(text)' is not a valid handoff time", hint: "write \"mon 09:00\" (weekly) or \"09:00\" (daily)")
                valid = false
            }
        }
        var hours: TimeWindow?
        if let node = table["hours"], let text = reader.string(node, path: "\(path).hours") {
            hours = TimeWindow(parsing: text)
            if hours == nil {
                reader.fail(node, "\(path).hours '\(text)' is not a valid window", hint: "write \"09:00-18:00\", or \"18:00-09:00\" across midnight")
                valid = false
            }
        }
        var days: [Weekday]?
        if let node = table["days"], let names = reader.strings(node, path: "\(path).days") {
            var parsed: [Weekday] = []
            for (index, name) in names.enumerated() {
                if let day = Weekday(name: name) { parsed.append(day) } else {
                    reader.fail(node.sequence?[index], "\(path).days has unknown day '\(name)'", hint: "use mon, tue, wed, thu, fri, sat or sun")
                    valid = false
                }
            }
            if names.isEmpty { reader.fail(node, "\(path).days must name at least one day"); valid = false }
            days = parsed
        }
        guard valid else { return nil }
        return RotaConfig(name: name, people: people, rotation: rotation, handoff: handoff, hours: hours, days: days)
    }
}
