import Foundation
import Yams

extension ConfigParser {
    static let alertsKeys = ["ack_timeout", "auto_resolve", "bell", "change_window", "integrations", "escalation", "channels"]

    func alerts(_ node: Node, config: WorkspaceConfig) -> AlertsConfig {
        var result = AlertsConfig()
        guard let table = reader.table(node, path: "alerts", allowed: Self.alertsKeys) else { return result }
        if let node = table["ack_timeout"] { result.ackTimeout = optionalSeconds(node, path: "alerts.ack_timeout") }
        if let node = table["auto_resolve"] { result.autoResolve = optionalSeconds(node, path: "alerts.auto_resolve") }
        if let node = table["bell"], let value = reader.bool(node, path: "alerts.bell") { result.bell = value }
        if let node = table["change_window"], let value = reader.double(node, path: "alerts.change_window") { result.changeWindow = value }
        if let node = table["integrations"] {
            for (name, keyNode, value) in reader.namedEntries(node, path: "alerts.integrations") {
                if let integration = integration(name, keyNode: keyNode, value: value, config: config) { result.integrations.append(integration) }
            }
            var seen: [String: String] = [:]
            for integration in result.integrations {
                if let other = seen[integration.routingKey], let node = table["integrations"] {
                    reader.fail(node, "alerts.integrations \(other) and \(integration.name) share a routing key", hint: "give each integration its own key")
                }
                seen[integration.routingKey] = integration.name
            }
        }
        if let node = table["escalation"] { result.escalation = escalation(node, config: config) }
        if let node = table["channels"] {
            for (name, keyNode, value) in reader.namedEntries(node, path: "alerts.channels") {
                if let channel = channel(name, keyNode: keyNode, value: value) { result.channels.append(channel) }
            }
        }
        return result
    }

    /// Seconds, or `off` / `false` for never.
    private func optionalSeconds(_ node: Node, path: String) -> Double? {
        if node.scalar?.string == "off" || node.bool == false { return nil }
        return reader.double(node, path: path)
    }

    private func integration(_ name: String, keyNode: Node, value: Node, config: WorkspaceConfig) -> IntegrationConfig? {
        let path = "alerts.integrations.\(name)"
        guard let table = reader.table(value, path: path, allowed: ["routing_key", "service", "urgency"], required: ["routing_key"], at: keyNode),
              let keyNode = table["routing_key"], let key = reader.string(keyNode, path: "\(path).routing_key") else { return nil }
        guard key.count == 32, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            reader.fail(keyNode, "\(path).routing_key must be 32 letters and digits, as PagerDuty's integration keys are",
                        hint: "generate one, e.g. `openssl rand -hex 16`")
            return nil
        }
        var integration = IntegrationConfig(name: name, routingKey: key)
        if let node = table["service"], let service = reader.string(node, path: "\(path).service") {
            if config.service(named: service) == nil {
                reader.fail(node, "\(path).service names unknown service '\(service)'", hint: Suggestion.hint(for: service, in: config.services.map(\.name)))
            }
            integration.service = service
        }
        if let node = table["urgency"], let text = reader.string(node, path: "\(path).urgency") {
            if let urgency = Incident.Urgency(rawValue: text) { integration.urgency = urgency } else {
                reader.fail(node, "\(path).urgency must be high or low, not '\(text)'")
            }
        }
        return integration
    }

    private func escalation(_ node: Node, config: WorkspaceConfig) -> EscalationPolicy {
        var policy = EscalationPolicy()
        guard let table = reader.table(node, path: "alerts.escalation", allowed: ["levels", "repeat"]) else { return policy }
        if let node = table["repeat"], let value = reader.int(node, path: "alerts.escalation.repeat", range: 0...9,
                                                              hint: "how many more times the levels run when nobody acknowledges") {
            policy.repeats = value
        }
        guard let levels = table["levels"] else { return policy }
        guard let items = levels.sequence else {
            reader.fail(levels, "alerts.escalation.levels must be a list", hint: "write `- {notify: [\"rota:dingo\"], escalate_after: 900}` lines")
            return policy
        }
        for (index, item) in items.enumerated() {
            let path = "alerts.escalation.levels[\(index)]"
            guard let level = reader.table(item, path: path, allowed: ["notify", "escalate_after"], required: ["notify"]),
                  let notify = level["notify"], let names = reader.strings(notify, path: "\(path).notify") else { continue }
            var targets: [EscalationTarget] = []
            for (position, name) in names.enumerated() {
                let spot = notify.sequence?[position] ?? notify
                if name.hasPrefix("rota:") {
                    let rota = String(name.dropFirst(5))
                    if config.onCall.rotas.contains(where: { $0.name == rota }) { targets.append(.rota(rota)) } else {
                        reader.fail(spot, "\(path).notify names unknown rota '\(rota)'",
                                    hint: Suggestion.hint(for: rota, in: config.onCall.rotas.map(\.name)))
                    }
                } else if config.person(name) != nil {
                    targets.append(.person(name))
                } else {
                    reader.fail(spot, "\(path).notify names '\(name)', who is neither a person nor a rota",
                                hint: "write rota:NAME for whoever is on call, or a person's handle (\(personHint(name, config)))")
                }
            }
            var delay = 1800.0
            if let node = level["escalate_after"], let value = reader.double(node, path: "\(path).escalate_after") { delay = value }
            policy.levels.append(EscalationLevel(targets: targets, delay: delay))
        }
        return policy
    }

    private func channel(_ name: String, keyNode: Node, value: Node) -> ChannelConfig? {
        let path = "alerts.channels.\(name)"
        guard let table = reader.table(value, path: path, allowed: ["command", "webhook", "format", "attempts"], at: keyNode) else { return nil }
        var channel = ChannelConfig(name: name)
        if let node = table["command"] { channel.command = reader.string(node, path: "\(path).command") }
        if let node = table["webhook"], let url = reader.string(node, path: "\(path).webhook") {
            if let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil { channel.webhook = url } else {
                reader.fail(node, "\(path).webhook '\(url)' is not an http(s) URL", hint: "write e.g. https://hooks.slack.com/services/…")
            }
        }
        if let node = table["format"], let text = reader.string(node, path: "\(path).format") {
            if let format = ChannelConfig.Format(rawValue: text) { channel.format = format } else {
                reader.fail(node, "\(path).format must be slack or json, not '\(text)'")
            }
        }
        if let node = table["attempts"], let value = reader.int(node, path: "\(path).attempts", range: 1...20) { channel.attempts = value }
        if (channel.command == nil) == (channel.webhook == nil) {
            reader.fail(value, "\(path) needs exactly one of command: or webhook:", hint: "a command gets the alert as SHIPDECK_ALERT_* variables")
            return nil
        }
        return channel
    }

    /// `support_hours: {hours: "09:00-18:00", days: [mon, tue, wed, thu, fri]}`.
    func supportHours(_ node: Node, path: String) -> SupportHours? {
        guard let table = reader.table(node, path: path, allowed: ["hours", "days"], required: ["hours"]),
              let hoursNode = table["hours"], let text = reader.string(hoursNode, path: "\(path).hours") else { return nil }
        guard let window = TimeWindow(parsing: text) else {
            reader.fail(hoursNode, "\(path).hours '\(text)' is not a valid window", hint: "write \"09:00-18:00\"")
            return nil
        }
        var days: [Weekday]?
        if let node = table["days"], let names = reader.strings(node, path: "\(path).days") {
            days = []
            for (index, name) in names.enumerated() {
                if let day = Weekday(name: name) { days?.append(day) } else {
                    reader.fail(node.sequence?[index], "\(path).days has unknown day '\(name)'", hint: "use mon, tue, wed, thu, fri, sat or sun")
                }
            }
        }
        return SupportHours(window: window, days: days)
    }
}
