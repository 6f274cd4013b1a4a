import ArgumentParser
import Foundation
import ShipdeckAPI
import ShipdeckCore

/// `90s`, `30m`, `2h`, `1h30m`, `1d`, or plain seconds.
struct DurationArgument: ExpressibleByArgument {
    var seconds: Double

    init?(argument: String) {
        if let plain = Double(argument), plain > 0 { seconds = plain; return }
        var total = 0.0, number = ""
        for character in argument.lowercased() {
            if character.isNumber || character == "." { number.append(character); continue }
            guard let value = Double(number) else { return nil }
            switch character {
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            case "d": total += value * 86400
            default: return nil
            }
            number = ""
        }
        guard number.isEmpty, total > 0 else { return nil }
        seconds = total
    }
}

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Show an instance's health check, run it now, or send a passive result or heartbeat.",
        subcommands: [Show.self, Now.self, Submit.self, Heartbeat.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print an instance's check: state, output, perfdata, history and downtimes.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The instance id, e.g. orders-test-3-1.") var id: String
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() async throws {
            let detail: CheckDetail
            do {
                _ = try CoreLocator(workspace: options.directory).require()
                detail = try await RemoteCore(locator: CoreLocator(workspace: options.directory)).checkDetail(instance: id)
            } catch {
                throw CLIError.report(error)
            }
            if json {
                FileHandle.standardOutput.write(try APIDocuments.encoder().encode(detail) + Data("\n".utf8))
                return
            }
            let formatter = ISO8601DateFormatter()
            print("\(detail.instance)  \(detail.kind): \(detail.target)")
            print("state     \(detail.status.label) \(detail.stateType.rawValue.uppercased()) \(detail.attempt)/\(detail.maxAttempts)"
                  + (detail.flapping ? "  FLAPPING (\(detail.percentStateChange)% state change)" : "")
                  + (detail.inDowntime ? "  in downtime" : ""))
            if let last = detail.lastCheck { print("checked   \(formatter.string(from: last)) in \(String(format: "%.4f", detail.duration)) s") }
            print("output    \(detail.output)")
            if !detail.longOutput.isEmpty { print(detail.longOutput) }
            for datum in detail.perfdata {
                print("perfdata  \(datum.label)=\(datum.value.map { String($0) } ?? "U")\(datum.unit)"
                      + (datum.warn.map { " warn \($0)" } ?? "") + (datum.crit.map { " crit \($0)" } ?? ""))
            }
            for downtime in detail.downtimes {
                print("downtime  \(downtime.id.uuidString) until \(formatter.string(from: downtime.downtime.end)) by \(downtime.by): \(downtime.downtime.comment)")
            }
            for event in detail.history {
                print([formatter.string(from: event.at), event.kind.rawValue.padding(16), event.status.label.padding(8),
                       "\(event.stateType.rawValue.uppercased()) \(event.attempt)".padding(10), event.output,
                       event.suppressed.map { "(alert held: \($0))" } ?? ""].joined(separator: " "))
            }
        }
    }

    struct Now: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run an instance's check at once.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The instance id, e.g. orders-test-3-1.") var id: String

        func run() async throws {
            try await perform(.forceCheck(instance: id), workspace: options.directory)
            print("\(id) checked")
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a passive check result (HARD at once) for a service's instances, or one instance.",
            discussion: "Services send the same to POST /v1/checks/results. The output may carry perfdata after |.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The service.") var service: String
        @Option(name: .customLong("env"), help: "The environment, e.g. test or prod.") var environment: String
        @Option(help: "One instance (default: every active instance).") var instance: String?
        @Option(help: "ok, warning, critical or unknown (or 0-3).") var status: String
        @Option(help: "The result's output, e.g. 'QUEUE OK - 3 jobs | jobs=3;10;20'.") var output: String = ""

        func validate() throws {
            guard Self.status(status) != nil else { throw ValidationError("--status must be ok, warning, critical or unknown (or 0-3), not '\(status)'") }
        }

        static func status(_ text: String) -> CheckStatus? {
            Int(text).flatMap(CheckStatus.init(rawValue:)) ?? CheckStatus.allCases.first { $0.label == text.uppercased() }
        }

        func run() async throws {
            let status = Self.status(status) ?? .unknown
            try await perform(.submitCheckResult(service: service, environment: environment, instance: instance, status: status, output: output),
                              workspace: options.directory)
            print("\(status.label) sent for \(instance ?? "\(service) in \(environment)")")
        }
    }

    struct Heartbeat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a heartbeat (an OK passive result).")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The service.") var service: String
        @Option(name: .customLong("env"), help: "The environment, e.g. test or prod.") var environment: String
        @Option(help: "One instance (default: every active instance).") var instance: String?

        func run() async throws {
            try await perform(.submitCheckResult(service: service, environment: environment, instance: instance, status: .ok, output: "heartbeat"),
                              workspace: options.directory)
            print("heartbeat sent for \(instance ?? "\(service) in \(environment)")")
        }
    }
}

struct DowntimeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "downtime", abstract: "Hold the alerts of a service in an environment (or one instance) for a while, or cancel that.",
        subcommands: [Add.self, Cancel.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Schedule a downtime from now: fixed, or flexible (it starts with the first problem within --flexible-within).")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The service.") var service: String
        @Option(name: .customLong("env"), help: "The environment, e.g. test or prod.") var environment: String
        @Option(help: "One instance (default: every instance of the service there).") var instance: String?
        @Option(name: .customLong("for"), help: "How long: 90s, 30m, 2h, 1h30m.") var duration: DurationArgument
        @Option(name: .customLong("flexible-within"), help: "Make it flexible: it starts at the first problem within this window.")
        var window: DurationArgument?
        @Option(help: "Why (shown on screen and in the history).") var comment: String = ""

        func run() async throws {
            try await perform(.scheduleDowntime(service: service, environment: environment, instance: instance, duration: duration.seconds,
                                                flexibleWindow: window?.seconds, comment: comment), workspace: options.directory)
            print("downtime scheduled for \(instance ?? "\(service) in \(environment)")")
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a downtime by its id (`shipdeck check show` lists them).")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The downtime's id.") var id: String

        func validate() throws {
            guard UUID(uuidString: id) != nil else { throw ValidationError("'\(id)' is not a downtime id (a UUID; `shipdeck check show INSTANCE` lists them)") }
        }

        func run() async throws {
            try await perform(.cancelDowntime(id: UUID(uuidString: id)!), workspace: options.directory)
            print("downtime \(id) cancelled")
        }
    }
}
