import ArgumentParser
import Foundation
import ShipdeckAPI
import ShipdeckCore

/// `#12` or `12`.
struct IncidentNumber: ExpressibleByArgument {
    var id: Int64

    init?(argument: String) {
        guard let id = Int64(argument.hasPrefix("#") ? String(argument.dropFirst()) : argument), id > 0 else { return nil }
        self.id = id
    }
}

struct AlertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert", abstract: "Raise, acknowledge, resolve, note, snooze and list alerts (incidents) through the running core.",
        discussion: "Monitors send the same events to POST /v2/enqueue, PagerDuty's Events API v2, with an alerts.integrations routing key.",
        subcommands: [Trigger.self, Acknowledge.self, Resolve.self, Note.self, Snooze.self, List.self, Show.self])

    struct Trigger: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Raise an alert; a trigger with the dedup key of an open incident is appended to it.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "What is wrong, e.g. \"orders p99 above 2 s\".") var summary: String
        @Option(help: "critical, error, warning or info (critical and error page at any hour).") var severity: Incident.Severity = .error
        @Option(help: "The service it concerns (its support hours apply).") var service: String?
        @Option(name: .customLong("env"), help: "The environment, e.g. test or prod.") var environment: String?
        @Option(name: .customLong("dedup-key"), help: "Groups triggers into one incident (default: a new key).") var dedupKey: String?

        func run() async throws {
            let key = dedupKey ?? "cli/\(UUID().uuidString.prefix(8).lowercased())"
            try await perform(.alertEvent(action: .trigger, dedupKey: key, summary: summary, severity: severity, service: service,
                                          environment: environment), workspace: options.directory)
            let incident = try await openIncidents(workspace: options.directory).first { $0.dedupKey == key }
            let number = incident.map { "\($0.number) " } ?? ""
            let count = incident.map { $0.triggerCount > 1 ? ", trigger \($0.triggerCount)" : "" } ?? ""
            print("\(number)triggered: \(summary) (dedup key \(key)\(count))")
        }
    }

    /// Acknowledge and resolve: by incident number, or by dedup key as an Events API sender would.
    struct Target: ParsableArguments {
        @Argument(help: "The incident number, e.g. 12 or #12.") var incident: IncidentNumber?
        @Option(name: .customLong("dedup-key"), help: "Find the open incident by its dedup key instead.") var dedupKey: String?

        func validate() throws {
            guard (incident == nil) != (dedupKey == nil) else { throw ValidationError("give the incident number or --dedup-key KEY (one of them)") }
        }

        /// Carries out `action` and returns the incident's number as the CLI prints it.
        func apply(_ action: AlertEvent.Action, workspace: URL) async throws -> String {
            if let incident {
                try await perform(action == .acknowledge ? .acknowledgeIncident(id: incident.id) : .resolveIncident(id: incident.id), workspace: workspace)
                return "#\(incident.id)"
            }
            let key = dedupKey ?? ""
            guard let open = try await openIncidents(workspace: workspace).first(where: { $0.dedupKey == key }) else {
                throw CLIError.report(ShipdeckError(.notFound, "no open incident has the dedup key '\(key)'", field: "dedup_key",
                                                    hint: "`shipdeck alert list` shows the open ones and their keys"))
            }
            try await perform(.alertEvent(action: action, dedupKey: key, summary: "", severity: open.severity, service: nil, environment: nil),
                              workspace: workspace)
            return open.number
        }
    }

    struct Acknowledge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ack", abstract: "Acknowledge an incident: its escalation stops.")
        @OptionGroup var options: WorkspaceOptions
        @OptionGroup var target: Target

        func run() async throws {
            print("\(try await target.apply(.acknowledge, workspace: options.directory)) acknowledged")
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resolve an incident.")
        @OptionGroup var options: WorkspaceOptions
        @OptionGroup var target: Target

        func run() async throws {
            print("\(try await target.apply(.resolve, workspace: options.directory)) resolved")
        }
    }

    struct Note: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a note to an incident's timeline.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The incident number, e.g. 12 or #12.") var incident: IncidentNumber
        @Argument(help: "The note.") var text: String

        func run() async throws {
            try await perform(.noteIncident(id: incident.id, text: text), workspace: options.directory)
            print("note added to #\(incident.id)")
        }
    }

    struct Snooze: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hold an incident's pages for a while; it triggers again afterwards unless resolved.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The incident number, e.g. 12 or #12.") var incident: IncidentNumber
        @Option(name: .customLong("for"), help: "How long: 90s, 30m, 2h, 1h30m.") var duration: DurationArgument

        func run() async throws {
            try await perform(.snoozeIncident(id: incident.id, seconds: duration.seconds), workspace: options.directory)
            print("#\(incident.id) snoozed for \(Self.describe(duration.seconds))")
        }

        static func describe(_ seconds: Double) -> String {
            let total = Int(seconds.rounded())
            let (hours, minutes, rest) = (total / 3600, total % 3600 / 60, total % 60)
            return [hours > 0 ? "\(hours)h" : "", minutes > 0 ? "\(minutes)m" : "", rest > 0 || total == 0 ? "\(rest)s" : ""].joined()
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the open incidents, newest first.")
        @OptionGroup var options: WorkspaceOptions
        @Flag(help: "Print JSON (an array of incidents) instead of a table.") var json = false

        func run() async throws {
            let incidents = try await openIncidents(workspace: options.directory)
            if json {
                FileHandle.standardOutput.write(try APIDocuments.encoder().encode(incidents) + Data("\n".utf8))
                return
            }
            guard !incidents.isEmpty else {
                print("no open incidents")
                return
            }
            let now = Date()
            print("ID     STATE         SEVERITY  URGENCY  TRIGGERS  SERVICE        AGE    SUMMARY")
            for incident in incidents {
                print([incident.number.padding(6), incident.state.rawValue.padding(13), incident.severity.rawValue.padding(9),
                       incident.urgency.rawValue.padding(8), String(incident.triggerCount).padding(9),
                       [incident.service, incident.environment].compactMap { $0 }.joined(separator: "/").padding(14),
                       shortAge(now.timeIntervalSince(incident.createdAt)).padding(6), incident.summary].joined(separator: " "))
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an incident: its state, who is paged, and its timeline.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The incident number, e.g. 12 or #12.") var incident: IncidentNumber
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() async throws {
            let found: Incident?
            do {
                let snapshot = try await RemoteCore(locator: CoreLocator(workspace: options.directory)).snapshot()
                // The snapshot holds the open and recently resolved incidents; older ones are in the store.
                if let incident = snapshot.alerts.first(where: { $0.id == self.incident.id }) {
                    found = incident
                } else {
                    let config = try ConfigLoader.load(file: options.configFile, environment: ProcessInfo.processInfo.environment)
                    found = try await SQLiteStore.open(at: config.databaseFile).incident(id: self.incident.id)
                }
            } catch {
                throw CLIError.report(error)
            }
            guard let found else {
                throw CLIError.report(ShipdeckError(.notFound, "there is no incident #\(incident.id)", field: "incident",
                                                    hint: "`shipdeck alert list` shows the open ones"))
            }
            if json {
                FileHandle.standardOutput.write(try APIDocuments.encoder().encode(found) + Data("\n".utf8))
                return
            }
            print(Self.describe(found))
        }

        static func describe(_ incident: Incident) -> String {
            let formatter = ISO8601DateFormatter()
            var lines = ["\(incident.number)  \(incident.summary)",
                         "state     \(incident.state.rawValue), \(incident.severity.rawValue), \(incident.urgency.rawValue) urgency, "
                            + "\(incident.triggerCount) trigger\(incident.triggerCount == 1 ? "" : "s")",
                         "key       \(incident.dedupKey)  (from \(incident.integration), source \(incident.source))"]
            if let service = incident.service { lines.append("service   \(service)" + (incident.environment.map { " in \($0)" } ?? "")) }
            if let by = incident.acknowledgedBy, let at = incident.acknowledgedAt { lines.append("acked     by \(by) at \(formatter.string(from: at))") }
            if let by = incident.resolvedBy, let at = incident.resolvedAt { lines.append("resolved  by \(by) at \(formatter.string(from: at))") }
            if let until = incident.snoozedUntil { lines.append("snoozed   until \(formatter.string(from: until))") }
            if let until = incident.heldUntil { lines.append("held      until \(formatter.string(from: until)) (outside support hours)") }
            if incident.isOpen {
                lines.append("paged     \(incident.paged.isEmpty ? "nobody" : incident.paged.joined(separator: ", ")) (level \(incident.escalationLevel + 1))")
                if let next = incident.nextEscalationAt {
                    lines.append("next      \(incident.nextPaged.isEmpty ? "nobody" : incident.nextPaged.joined(separator: ", ")) at \(formatter.string(from: next))")
                }
            }
            if let details = incident.customDetails { lines.append("details   \(details)") }
            lines.append("")
            for entry in incident.timeline {
                lines.append([formatter.string(from: entry.at), entry.kind.rawValue.padding(13), entry.by.padding(10), entry.text].joined(separator: " "))
            }
            return lines.joined(separator: "\n")
        }
    }
}

extension Incident.Severity: ExpressibleByArgument {}

/// The running core's open incidents, newest first.
func openIncidents(workspace: URL) async throws -> [Incident] {
    do {
        _ = try CoreLocator(workspace: workspace).require()
        return try await RemoteCore(locator: CoreLocator(workspace: workspace)).snapshot().alerts.filter(\.isOpen).sorted { $0.id > $1.id }
    } catch {
        throw CLIError.report(error)
    }
}

/// `42s`, `7m`, `3h`, `2d`.
private func shortAge(_ seconds: TimeInterval) -> String {
    switch max(0, seconds) {
    case ..<60: return "\(Int(seconds))s"
    case ..<3600: return "\(Int(seconds / 60))m"
    case ..<86_400: return "\(Int(seconds / 3600))h"
    default: return "\(Int(seconds / 86_400))d"
    }
}
