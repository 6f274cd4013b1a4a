import Foundation

/// Writes the commented starting `shipdeck.yml` for `shipdeck init`.
enum ConfigTemplate {
    static func render(name: String, services: [WorkspaceInitializer.DiscoveredService], environment: [String: String]) -> String {
        let handle = personHandle(from: environment["USER"])
        let timeZone = environment["TZ"].flatMap { TimeZone(identifier: $0) != nil ? $0 : nil } ?? "UTC"
        var lines = [
            "# Shipdeck workspace, written by `shipdeck init`. Edit freely; `shipdeck validate` checks it.",
            "# Environment variables override some settings: SHIPDECK_USER, SHIPDECK_THEME, SHIPDECK_ENV,",
            "# SHIPDECK_DB and SHIPDECK_SERVICE_<NAME>_PORT.",
            "name: \(quote(name))",
            "card_prefix: \(ConfigParser.defaultPrefix(for: name))   # card ids look like \(ConfigParser.defaultPrefix(for: name))-1",
            "# theme: default",
            "user: \(handle)   # who acts when SHIPDECK_USER is not set",
            "",
        ]
        if services.isEmpty {
            lines += ["# No git repositories were found. Add one entry per service, for example:",
                      "#   orders: {repo: services/orders, run: python3 app.py, port: 8100}",
                      "services: {}"]
        } else {
            lines.append("services:")
            for service in services {
                lines.append("  \(service.name):")
                lines.append("    repo: \(quote(service.repo))")
                if let pipeline = service.pipeline {
                    lines.append("    pipeline: \(quote(pipeline))")
                } else {
                    lines.append("    # pipeline: .buildkite/pipeline.yml   # not found yet; this is the default")
                }
                if let run = service.run {
                    lines.append("    run: \(quote(run))   # starts one instance; it must listen on $PORT")
                } else {
                    lines.append("    run: \(quote("./run.sh"))   # TODO: the command that starts one instance on $PORT")
                }
                lines.append("    port: \(service.port)   # stable endpoint in test; prod adds 1000")
                lines.append("    health: {path: /health, interval: 5, timeout: 2, rise: 2}")
                lines.append("    instances: {test: 1, prod: 2}")
            }
        }
        lines += [
            "",
            "environments:",
            "  test: {protected: false, deployers: [dev, prod]}",
            "  prod: {protected: true, deployers: [prod]}",
            "",
            "people:",
            "  \(handle): {name: \(quote(environment["USER"] ?? handle)), roles: [dev, prod, oncall]}",
            "",
            "oncall:",
            "  timezone: \(quote(timeZone))",
            "  rotas:",
            "    # hours: \"09:00-18:00\" and days: [mon, tue, wed, thu, fri] limit when a rota is on call.",
            "    squid: {people: [\(handle)], rotation: weekly, handoff: \"mon 09:00\"}",
            "",
            "board:",
            "  columns:",
        ]
        for column in BoardConfig.defaultColumns {
            lines.append("    - {name: \(quote(column.name))\(column.wip.map { ", wip: \($0)" } ?? "")}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A valid person handle from a login name, or `me`.
    static func personHandle(from login: String?) -> String {
        let cleaned = String((login ?? "").lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        guard let first = cleaned.first, first.isLetter else { return "me" }
        return cleaned
    }

    /// A double-quoted YAML string.
    static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
