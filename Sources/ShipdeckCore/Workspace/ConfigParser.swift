import Foundation
import Yams

/// Turns the composed YAML of `shipdeck.yml` into a `WorkspaceConfig`, reporting every problem it meets.
///
/// Sections are read in dependency order (environments and people before services and rotas) so
/// cross-references can be checked where they are written.
struct ConfigParser {
    static let rootKeys = ["name", "card_prefix", "theme", "user", "services", "environments", "people", "oncall", "board", "api", "pipelines", "fleet", "alerts"]

    let reader: ConfigReader
    let file: URL

    /// Parses the root mapping; returns nil only when the root itself is unusable.
    func parse(_ root: Node) -> WorkspaceConfig? {
        guard let top = reader.table(root, path: "the top level", allowed: Self.rootKeys, required: ["name"]) else { return nil }
        let name = top["name"].flatMap { reader.string($0, path: "name") } ?? ""
        var config = WorkspaceConfig(file: file, name: name, cardPrefix: Self.defaultPrefix(for: name))
        if let node = top["card_prefix"], let prefix = reader.string(node, path: "card_prefix") {
            if prefix.range(of: "^[A-Z][A-Z0-9]{0,7}$", options: .regularExpression) == nil {
                reader.fail(node, "card_prefix must be 1 to 8 capital letters or digits, starting with a letter, not '\(prefix)'",
                            hint: "write e.g. SHP")
            } else {
                config.cardPrefix = prefix
            }
        }
        config.theme = top["theme"].flatMap { reader.string($0, path: "theme") }
        if let node = top["environments"] { config.environments = environments(node) }
        config.currentEnvironment = config.environments.first?.name ?? "test"
        if let node = top["people"] { config.people = people(node) }
        if let node = top["user"], let user = reader.string(node, path: "user") {
            if config.person(user) == nil {
                reader.fail(node, "user '\(user)' is not listed under people", hint: personHint(user, config))
            } else {
                config.user = user
            }
        }
        if let node = top["services"] { config.services = services(node, config: config) }
        if let node = top["oncall"] { config.onCall = onCall(node, config: config) }
        if let node = top["board"] { config.board = board(node) }
        if let node = top["api"] { config.api = api(node) }
        if let node = top["pipelines"] { config.pipelines = pipelines(node) }
        if let node = top["fleet"] { config.fleet = fleet(node) }
        if let node = top["alerts"] { config.alerts = alerts(node, config: config) }
        return config
    }

    /// `SHP` for "Shipdeck": the first three letters of the name, upper-cased.
    static func defaultPrefix(for name: String) -> String {
        let letters = name.uppercased().filter { $0.isASCII && $0.isLetter }
        return letters.isEmpty ? "CARD" : String(letters.prefix(3))
    }

    func personHint(_ handle: String, _ config: WorkspaceConfig) -> String {
        let handles = config.people.map(\.handle)
        if let best = Suggestion.closest(to: handle, in: handles) { return "did you mean '\(best)'?" }
        return handles.isEmpty ? "add them under people:" : "add them under people:, or use one of: " + handles.joined(separator: ", ")
    }

    func environments(_ node: Node) -> [EnvironmentConfig] {
        var result: [EnvironmentConfig] = []
        for (name, keyNode, value) in reader.namedEntries(node, path: "environments") {
            let path = "environments.\(name)"
            var environment = EnvironmentConfig(name: name)
            if reader.isEmpty(value) { result.append(environment); continue }
            guard let table = reader.table(value, path: path, allowed: ["protected", "deployers"], at: keyNode) else { continue }
            if let node = table["protected"] { environment.protected = reader.bool(node, path: "\(path).protected") ?? false }
            if let node = table["deployers"] { environment.deployers = reader.strings(node, path: "\(path).deployers") ?? [] }
            result.append(environment)
        }
        if result.isEmpty { reader.fail(node, "environments must name at least one environment", hint: "for example `test: {}`") }
        return result
    }

    func people(_ node: Node) -> [PersonConfig] {
        var result: [PersonConfig] = []
        for (handle, keyNode, value) in reader.namedEntries(node, path: "people") {
            let path = "people.\(handle)"
            if handle.range(of: "^[a-z][a-z0-9._-]*$", options: .regularExpression) == nil {
                reader.fail(keyNode, "person handle '\(handle)' must be lower-case letters, digits, '.', '_' or '-'",
                            hint: "use a short login name such as 'ana'")
            }
            guard let table = reader.table(value, path: path, allowed: ["name", "roles", "email"], required: ["name"], at: keyNode)
            else { continue }
            let name = table["name"].flatMap { reader.string($0, path: "\(path).name") } ?? handle
            let roles = table["roles"].flatMap { reader.strings($0, path: "\(path).roles") } ?? []
            var email: String?
            if let node = table["email"], let text = reader.string(node, path: "\(path).email") {
                if text.contains("@") { email = text } else {
                    reader.fail(node, "\(path).email '\(text)' is not an email address", hint: "write e.g. ana@example.com")
                }
            }
            result.append(PersonConfig(handle: handle, name: name, roles: roles, email: email))
        }
        return result
    }

    func api(_ node: Node) -> APIConfig {
        var api = APIConfig()
        guard let table = reader.table(node, path: "api", allowed: ["listen", "port"]) else { return api }
        if let node = table["listen"], let host = reader.string(node, path: "api.listen") { api.listen = host }
        if let node = table["port"], let port = reader.int(node, path: "api.port", range: 0...65535, hint: "0 picks a free port") { api.port = port }
        return api
    }

    func fleet(_ node: Node) -> FleetConfig {
        var result = FleetConfig()
        let keys = ["runtime", "container_cli", "deploy_timeout", "gate_interval", "drain", "keep_warm", "stop_grace", "log_lines", "restart_backoff"]
        guard let table = reader.table(node, path: "fleet", allowed: keys) else { return result }
        if let node = table["runtime"], let value = runtime(node, path: "fleet.runtime") { result.runtime = value }
        if let node = table["container_cli"], let value = reader.string(node, path: "fleet.container_cli") {
            if ["podman", "docker"].contains(value) { result.containerCLI = value } else {
                reader.fail(node, "fleet.container_cli must be podman or docker, not '\(value)'", hint: Suggestion.hint(for: value, in: ["podman", "docker"]))
            }
        }
        func seconds(_ key: String, _ range: ClosedRange<Double>, _ apply: (Double) -> Void) {
            guard let node = table[key], let value = reader.double(node, path: "fleet.\(key)", positive: false) else { return }
            if range.contains(value) { apply(value) } else {
                reader.fail(node, "fleet.\(key) must be from \(range.lowerBound) to \(range.upperBound) seconds, not \(value)", hint: "write a number of seconds")
            }
        }
        seconds("deploy_timeout", 1...3600) { result.deployTimeout = $0 }
        seconds("gate_interval", 0.05...60) { result.gateInterval = $0 }
        seconds("drain", 0...3600) { result.drain = $0 }
        seconds("keep_warm", 0...86400) { result.keepWarm = $0 }
        seconds("stop_grace", 0...600) { result.stopGrace = $0 }
        seconds("restart_backoff", 0.1...300) { result.restartBackoff = $0 }
        if let node = table["log_lines"], let value = reader.int(node, path: "fleet.log_lines", range: 100...1_000_000, hint: "lines kept per instance") {
            result.logLines = value
        }
        return result
    }

    func runtime(_ node: Node, path: String) -> RuntimeKind? {
        guard let text = reader.string(node, path: path) else { return nil }
        guard let kind = RuntimeKind(rawValue: text) else {
            reader.fail(node, "\(path) must be process or container, not '\(text)'", hint: Suggestion.hint(for: text, in: RuntimeKind.allCases.map(\.rawValue)))
            return nil
        }
        return kind
    }

    func pipelines(_ node: Node) -> PipelinesConfig {
        var result = PipelinesConfig()
        guard let table = reader.table(node, path: "pipelines", allowed: ["poll_interval", "agents", "cancel_grace"]) else { return result }
        if let node = table["poll_interval"], let value = reader.int(node, path: "pipelines.poll_interval", range: 0...86400,
                                                                    hint: "seconds between looks at the repos; 0 turns polling off") {
            result.pollInterval = Double(value)
        }
        if let node = table["cancel_grace"], let value = reader.int(node, path: "pipelines.cancel_grace", range: 0...600, hint: "seconds") {
            result.cancelGrace = Double(value)
        }
        if let list = table["agents"] {
            guard let items = list.sequence else {
                reader.fail(list, "pipelines.agents must be a list of agent slots", hint: "write `- {tags: {queue: default}, count: 2}`")
                return result
            }
            var slots: [AgentSlotConfig] = []
            for (index, item) in items.enumerated() {
                let path = "pipelines.agents[\(index)]"
                guard let slot = reader.table(item, path: path, allowed: ["tags", "count"], required: ["tags"]) else { continue }
                var tags: [String: String] = [:]
                if let tagNode = slot["tags"], let mapping = tagNode.mapping {
                    for (key, value) in mapping {
                        if let name = key.string, let text = value.string { tags[name] = text }
                    }
                } else {
                    reader.fail(slot["tags"], "\(path).tags must be a mapping such as {queue: default}")
                }
                let count = slot["count"].flatMap { reader.int($0, path: "\(path).count", range: 1...64, hint: "how many jobs run at once") } ?? 1
                slots.append(AgentSlotConfig(tags: tags, count: count))
            }
            if !slots.isEmpty { result.agents = slots }
        }
        return result
    }

    func board(_ node: Node) -> BoardConfig {
        guard let table = reader.table(node, path: "board", allowed: ["columns", "test_column", "done_column", "ship_column", "done_after"]) else {
            return BoardConfig()
        }
        var columns = BoardConfig.defaultColumns
        if let list = table["columns"] { columns = boardColumns(list) }
        let names = columns.map(\.name)
        func column(_ key: String) -> String? {
            guard let value = table[key], let name = reader.string(value, path: "board.\(key)") else { return nil }
            guard names.contains(name) else {
                reader.fail(value, "board.\(key) names '\(name)', which is not a board column",
                            hint: Suggestion.hint(for: name, in: names))
                return nil
            }
            return name
        }
        var doneAfter = 600.0
        if let value = table["done_after"], let seconds = reader.double(value, path: "board.done_after", positive: false) {
            if seconds < 0 || seconds > 7 * 86_400 {
                reader.fail(value, "board.done_after must be between 0 and 604800 seconds, not \(seconds)", hint: "write e.g. 600 for ten minutes")
            } else {
                doneAfter = seconds
            }
        }
        return BoardConfig(columns: columns, testColumn: column("test_column"), doneColumn: column("done_column"),
                           shipColumn: column("ship_column"), doneAfter: doneAfter)
    }

    private func boardColumns(_ list: Node) -> [BoardConfig.Column] {
        guard let items = list.sequence else {
            reader.fail(list, "board.columns must be a list", hint: "write `- name: Backlog` lines")
            return BoardConfig.defaultColumns
        }
        var columns: [BoardConfig.Column] = []
        for (index, item) in items.enumerated() {
            let path = "board.columns[\(index)]"
            if item.scalar != nil, let name = reader.string(item, path: path) {
                columns.append(.init(name: name))
                continue
            }
            guard let column = reader.table(item, path: path, allowed: ["name", "wip"], required: ["name"]),
                  let name = column["name"].flatMap({ reader.string($0, path: "\(path).name") }) else { continue }
            if columns.contains(where: { $0.name == name }) {
                reader.fail(column["name"], "board column '\(name)' is listed twice", hint: "give each column a different name")
            }
            let wip = column["wip"].flatMap { reader.int($0, path: "\(path).wip", range: 1...999, hint: "write a limit such as 3") }
            columns.append(.init(name: name, wip: wip))
        }
        if columns.isEmpty { reader.fail(list, "board.columns must list at least one column") }
        return columns.isEmpty ? BoardConfig.defaultColumns : columns
    }
}
