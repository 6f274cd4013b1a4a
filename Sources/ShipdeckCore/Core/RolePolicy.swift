/// Which roles may carry out which command. The core checks this, so every client gets the same refusal.
///
/// | command | roles |
/// | --- | --- |
/// | add, edit, move, reorder or assign a card | dev, prod, oncall, lead |
/// | delete a card, import cards | dev, lead |
/// | start, cancel or retry a build | dev, prod, lead |
/// | unblock a build | dev, prod, lead — and the deployer roles of the environment the block releases to |
/// | deploy, roll back | the environment's `deployers` (a protected environment without them: prod, lead) |
/// | run a one-off admin command | the environment's deployers, as for a deploy |
/// | restart or stop an instance | dev, prod, oncall, lead; in a protected environment its deployers or oncall |
/// | schedule downtime | dev, prod, oncall, lead; in a protected environment its deployers or oncall |
/// | force a check, cancel a downtime, send a check result | dev, prod, oncall, lead |
/// | acknowledge, resolve, snooze or note an incident; send an alert event | dev, prod, oncall, lead |
public enum RolePolicy {
    /// The roles of which a person needs at least one to carry out `command`.
    public static func allowedRoles(for command: CoreCommand, in config: WorkspaceConfig? = nil) -> [String] {
        switch command {
        case .moveCard, .addCard, .editCard, .reorderCard, .assignCard: return ["dev", "prod", "oncall", "lead"]
        case .deleteCard, .importCards: return ["dev", "lead"]
        case .startBuild, .cancelBuild, .retryJobs, .unblock: return ["dev", "prod", "lead"]
        case .deploy(_, let environment, _), .rollback(_, let environment), .runOneOff(_, _, let environment, _):
            return deployers(of: environment, in: config)
        case .forceCheck, .cancelDowntime, .submitCheckResult: return ["dev", "prod", "oncall", "lead"]
        case .acknowledgeIncident, .resolveIncident, .noteIncident, .snoozeIncident, .alertEvent: return ["dev", "prod", "oncall", "lead"]
        case .scheduleDowntime(_, let environment, _, _, _, _):
            guard let config, let env = config.environment(named: environment), env.protected else { return ["dev", "prod", "oncall", "lead"] }
            return deployers(of: environment, in: config) + ["oncall"]
        case .restartInstance(let id), .stopInstance(let id):
            guard let config, let environment = config.environments.first(where: { id.contains("-\($0.name)-") }), environment.protected else {
                return ["dev", "prod", "oncall", "lead"]
            }
            return deployers(of: environment.name, in: config) + ["oncall"]
        }
    }

    /// Who may deploy to `environment`: its `deployers`, else prod and lead for a protected one and
    /// dev, prod and lead for the others.
    public static func deployers(of environment: String, in config: WorkspaceConfig?) -> [String] {
        guard let env = config?.environment(named: environment) else { return ["prod", "lead"] }
        if !env.deployers.isEmpty { return env.deployers }
        return env.protected ? ["prod", "lead"] : ["dev", "prod", "lead"]
    }

    /// Returns the acting person, or throws a refusal that says what is missing.
    /// - Throws: `ShipdeckError` (.refused) when `handle` is unknown or lacks every allowed role.
    public static func authorize(_ command: CoreCommand, as handle: String, in config: WorkspaceConfig) throws -> PersonConfig {
        guard let person = config.person(handle) else {
            let handles = config.people.map(\.handle)
            let hint = Suggestion.closest(to: handle, in: handles).map { "did you mean '\($0)'? " } ?? ""
            throw ShipdeckError(.refused, "'\(handle)' is not a member of this workspace, so Shipdeck will not act for them",
                                field: "person", hint: hint + "set SHIPDECK_USER or `user:` to one of: " + handles.joined(separator: ", "))
        }
        let allowed = allowedRoles(for: command, in: config)
        guard person.roles.contains(where: allowed.contains) else {
            let needed = allowed.count > 1 ? allowed.dropLast().joined(separator: ", ") + " or " + allowed.last! : allowed[0]
            throw ShipdeckError(.refused, "\(person.handle) cannot \(verb(command)): that needs the \(needed) role",
                                field: "person", hint: "ask someone with the \(needed) role, or add the role to \(person.handle) under people: in shipdeck.yml")
        }
        return person
    }

    static func verb(_ command: CoreCommand) -> String {
        switch command {
        case .moveCard: return "move cards"
        case .deleteCard: return "delete cards"
        case .addCard: return "add cards"
        case .editCard, .reorderCard, .assignCard: return "change cards"
        case .importCards: return "import cards"
        case .startBuild: return "start builds"
        case .unblock: return "unblock builds"
        case .cancelBuild: return "cancel builds"
        case .retryJobs: return "retry jobs"
        case .deploy(_, let environment, _): return "deploy to \(environment)"
        case .rollback(_, let environment): return "roll back in \(environment)"
        case .restartInstance(let id): return "restart \(id)"
        case .stopInstance(let id): return "stop \(id)"
        case .runOneOff(_, let service, let environment, _): return "run commands against \(service) in \(environment)"
        case .forceCheck(let id): return "check \(id)"
        case .scheduleDowntime(let service, let environment, _, _, _, _): return "schedule downtime for \(service) in \(environment)"
        case .cancelDowntime: return "cancel downtimes"
        case .acknowledgeIncident(let id): return "acknowledge #\(id)"
        case .resolveIncident(let id): return "resolve #\(id)"
        case .noteIncident(let id, _): return "add notes to #\(id)"
        case .snoozeIncident(let id, _): return "snooze #\(id)"
        case .alertEvent(let action, _, _, _, _, _): return "\(action.rawValue) alerts"
        case .submitCheckResult(let service, let environment, _, _, _): return "send check results for \(service) in \(environment)"
        }
    }
}
