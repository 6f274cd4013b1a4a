import Foundation

/// 12-factor overrides read from environment variables after `shipdeck.yml` is parsed.
///
/// - `SHIPDECK_USER`: the acting person's handle (must be listed under `people`).
/// - `SHIPDECK_THEME`: the theme name.
/// - `SHIPDECK_ENV`: the environment the dashboard looks at (must be listed under `environments`).
/// - `SHIPDECK_DB`: the database file; a relative path is read from the workspace folder.
/// - `SHIPDECK_SERVICE_<NAME>_PORT`: a service's endpoint port; `<NAME>` is the service name upper-cased
///   with `-` written as `_` (`SHIPDECK_SERVICE_ORDERS_PORT=8200`).
///
/// A bad value is an error whose field is the variable's name.
public enum EnvironmentOverrides {
    public static let user = "SHIPDECK_USER"
    public static let theme = "SHIPDECK_THEME"
    public static let environment = "SHIPDECK_ENV"
    public static let database = "SHIPDECK_DB"

    /// The port variable for `service`, e.g. `SHIPDECK_SERVICE_ORDERS_PORT`.
    public static func portVariable(for service: String) -> String {
        "SHIPDECK_SERVICE_\(service.uppercased().replacingOccurrences(of: "-", with: "_"))_PORT"
    }

    /// Applies the overrides in `variables` to `config`; returns one error per bad variable.
    public static func apply(_ variables: [String: String], to config: inout WorkspaceConfig) -> [ShipdeckError] {
        var errors: [ShipdeckError] = []
        func fail(_ name: String, _ message: String, _ hint: String) {
            errors.append(ShipdeckError(.config, message, field: name, hint: hint))
        }
        if let handle = variables[user] {
            if config.person(handle) != nil { config.user = handle } else {
                let handles = config.people.map(\.handle)
                fail(user, "'\(handle)' is not listed under people in \(config.file.lastPathComponent)",
                     handles.isEmpty ? "add them under people:" : Suggestion.hint(for: handle, in: handles))
            }
        }
        if let name = variables[theme] {
            if name.isEmpty { fail(theme, "the theme name is empty", "unset \(theme) or name a theme") } else { config.theme = name }
        }
        if let name = variables[environment] {
            if config.environment(named: name) != nil { config.currentEnvironment = name } else {
                fail(environment, "'\(name)' is not an environment of this workspace",
                     Suggestion.hint(for: name, in: config.environments.map(\.name)))
            }
        }
        if let path = variables[database] {
            if path.isEmpty { fail(database, "the database path is empty", "unset \(database) or give a file path") } else {
                config.databaseFile = path.hasPrefix("/") ? URL(fileURLWithPath: path)
                    : config.directory.appendingPathComponent(path)
            }
        }
        errors += applyPorts(variables, to: &config)
        return errors
    }

    private static func applyPorts(_ variables: [String: String], to config: inout WorkspaceConfig) -> [ShipdeckError] {
        var errors: [ShipdeckError] = []
        let known = Dictionary(uniqueKeysWithValues: config.services.enumerated().map { (portVariable(for: $1.name), $0) })
        for (name, value) in variables.sorted(by: { $0.key < $1.key })
        where name.hasPrefix("SHIPDECK_SERVICE_") && name.hasSuffix("_PORT") {
            guard let index = known[name] else {
                let service = String(name.dropFirst("SHIPDECK_SERVICE_".count).dropLast("_PORT".count))
                let names = config.services.map { portVariable(for: $0.name) }
                let hint = Suggestion.closest(to: service, in: config.services.map(\.name)).map { "did you mean \(portVariable(for: $0))?" }
                    ?? "expected one of: " + names.joined(separator: ", ")
                errors.append(ShipdeckError(.config, "\(name) names no service of this workspace", field: name, hint: hint))
                continue
            }
            let last = 65535 - 1000 * max(config.environments.count - 1, 0)
            guard let port = Int(value), (1024...last).contains(port) else {
                errors.append(ShipdeckError(.config, "'\(value)' is not a usable port", field: name,
                                            hint: "set a whole number from 1024 to \(last)"))
                continue
            }
            config.services[index].port = port
        }
        var owners: [Int: String] = [:]
        for service in config.services {
            for environment in config.environments {
                let port = config.endpointPort(service: service, environment: environment.name)
                if let owner = owners[port] {
                    errors.append(ShipdeckError(.config, "port \(port) is used by both \(owner) and \(service.name)",
                                                field: portVariable(for: service.name), hint: "choose ports at least 1 apart"))
                }
                owners[port] = service.name
            }
        }
        return errors
    }
}
