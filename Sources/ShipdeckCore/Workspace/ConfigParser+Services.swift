import Foundation
import Yams

extension ConfigParser {
    static let serviceKeys = ["repo", "pipeline", "run", "port", "health", "instances", "env", "runtime", "support_hours"]
    static let healthKeys = ["type", "path", "command", "interval", "timeout", "rise", "retry_interval", "max_check_attempts",
                             "freshness_threshold", "flap_detection", "low_flap_threshold", "high_flap_threshold"]

    func services(_ node: Node, config: WorkspaceConfig) -> [ServiceConfig] {
        var result: [ServiceConfig] = []
        var portOwners: [Int: String] = [:]
        for (name, keyNode, value) in reader.namedEntries(node, path: "services") {
            let path = "services.\(name)"
            if name.range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) == nil {
                reader.fail(keyNode, "service name '\(name)' must be lower-case letters, digits or '-'", hint: "rename it, e.g. 'orders'")
            }
            guard let table = reader.table(value, path: path, allowed: Self.serviceKeys, required: ["repo", "run", "port"], at: keyNode)
            else { continue }
            let repo = table["repo"].flatMap { reader.string($0, path: "\(path).repo") } ?? name
            let run = table["run"].flatMap { reader.string($0, path: "\(path).run") } ?? ""
            var service = ServiceConfig(name: name, repo: repo, run: run, port: 0)
            if let node = table["pipeline"], let pipeline = reader.string(node, path: "\(path).pipeline") { service.pipeline = pipeline }
            let last = 65535 - 1000 * max(config.environments.count - 1, 0)
            if let node = table["port"],
               let port = reader.int(node, path: "\(path).port", range: 1024...last,
                                     hint: "pick a free port from 1024 to \(last); each further environment adds 1000") {
                service.port = port
                for environment in config.environments {
                    let endpoint = config.endpointPort(service: service, environment: environment.name)
                    if let owner = portOwners[endpoint] {
                        reader.fail(node, "port \(endpoint) of \(path) in \(environment.name) is already used by \(owner)",
                                    hint: "give each service its own port (environments add 1000 per step)")
                        break
                    }
                }
                for environment in config.environments {
                    portOwners[config.endpointPort(service: service, environment: environment.name)] = path
                }
            }
            if let node = table["health"] { service.health = health(node, path: "\(path).health") }
            if let node = table["instances"] { service.instances = instances(node, path: "\(path).instances", config: config) }
            if let node = table["runtime"] { service.runtime = runtime(node, path: "\(path).runtime") }
            if let node = table["env"] { service.env = variables(node, path: "\(path).env", config: config) }
            if let node = table["support_hours"] { service.supportHours = supportHours(node, path: "\(path).support_hours") }
            result.append(service)
        }
        return result
    }

    func health(_ node: Node, path: String) -> HealthCheckConfig {
        var health = HealthCheckConfig()
        guard let table = reader.table(node, path: path, allowed: Self.healthKeys) else { return health }
        if let node = table["path"], let text = reader.string(node, path: "\(path).path") {
            if text.hasPrefix("/") { health.path = text } else {
                reader.fail(node, "\(path).path must start with '/', not '\(text)'", hint: "write e.g. /health")
            }
        }
        if let node = table["interval"], let value = reader.double(node, path: "\(path).interval") { health.interval = value }
        if let node = table["timeout"], let value = reader.double(node, path: "\(path).timeout") { health.timeout = value }
        if let node = table["rise"], let value = reader.int(node, path: "\(path).rise", range: 1...100) { health.rise = value }
        if let node = table["retry_interval"], let value = reader.double(node, path: "\(path).retry_interval") { health.retryInterval = value }
        if let node = table["max_check_attempts"], let value = reader.int(node, path: "\(path).max_check_attempts", range: 1...100,
                                                                        hint: "failed checks in a row before a problem is HARD") {
            health.maxCheckAttempts = value
        }
        if let node = table["type"], let text = reader.string(node, path: "\(path).type") {
            if let kind = HealthCheckConfig.Kind(rawValue: text) { health.kind = kind } else {
                reader.fail(node, "\(path).type is '\(text)', which is not a kind of check",
                            hint: Suggestion.hint(for: text, in: HealthCheckConfig.Kind.allCases.map(\.rawValue)))
            }
        }
        if let node = table["command"], let text = reader.string(node, path: "\(path).command") {
            if text.trimmingCharacters(in: .whitespaces).isEmpty {
                reader.fail(node, "\(path).command is empty", hint: "write a Nagios plugin command, e.g. /usr/lib/nagios/plugins/check_tcp -H $HOST$ -p $PORT$")
            } else { health.command = text }
        }
        if health.kind == .command && health.command == nil, let node = table["type"] {
            reader.fail(node, "\(path).type is command but there is no \(path).command",
                        hint: "add command: with the plugin to run, e.g. /usr/lib/nagios/plugins/check_http -H $HOST$ -p $PORT$ -u $PATH$")
        }
        if let node = table["freshness_threshold"], let value = reader.double(node, path: "\(path).freshness_threshold") {
            health.freshnessThreshold = value
        }
        if let node = table["flap_detection"], let value = reader.bool(node, path: "\(path).flap_detection") { health.flapDetection = value }
        if let node = table["low_flap_threshold"], let value = reader.double(node, path: "\(path).low_flap_threshold") {
            health.lowFlapThreshold = value
        }
        if let node = table["high_flap_threshold"], let value = reader.double(node, path: "\(path).high_flap_threshold") {
            health.highFlapThreshold = value
        }
        if health.lowFlapThreshold > health.highFlapThreshold, let node = table["low_flap_threshold"] {
            reader.fail(node, "\(path).low_flap_threshold (\(health.lowFlapThreshold)) is above high_flap_threshold (\(health.highFlapThreshold))",
                        hint: "the low threshold ends flapping and must be at most the high one (Nagios' defaults: 20 and 30)")
        }
        if health.timeout > health.interval, let node = table["timeout"] {
            reader.fail(node, "\(path).timeout (\(health.timeout)s) is longer than the interval (\(health.interval)s)",
                        hint: "make the timeout shorter than the interval")
        }
        return health
    }

    func instances(_ node: Node, path: String, config: WorkspaceConfig) -> [String: Int] {
        var result: [String: Int] = [:]
        for (environment, keyNode, value) in reader.namedEntries(node, path: path) {
            guard config.environment(named: environment) != nil else {
                reader.fail(keyNode, "\(path) names unknown environment '\(environment)'",
                            hint: Suggestion.hint(for: environment, in: config.environments.map(\.name)))
                continue
            }
            if let count = reader.int(value, path: "\(path).\(environment)", range: 0...64, hint: "write a count from 0 to 64") {
                result[environment] = count
            }
        }
        return result
    }

    func variables(_ node: Node, path: String, config: WorkspaceConfig) -> [String: [String: String]] {
        var result: [String: [String: String]] = [:]
        for (environment, keyNode, value) in reader.namedEntries(node, path: path) {
            guard config.environment(named: environment) != nil else {
                reader.fail(keyNode, "\(path) names unknown environment '\(environment)'",
                            hint: Suggestion.hint(for: environment, in: config.environments.map(\.name)))
                continue
            }
            var variables: [String: String] = [:]
            for (name, nameNode, text) in reader.namedEntries(value, path: "\(path).\(environment)") {
                if name.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) == nil {
                    reader.fail(nameNode, "'\(name)' is not a valid environment variable name", hint: "use letters, digits and '_'")
                }
                if let text = reader.string(text, path: "\(path).\(environment).\(name)") { variables[name] = text }
            }
            result[environment] = variables
        }
        return result
    }
}
