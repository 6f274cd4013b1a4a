import ArgumentParser
import Foundation
import ShipdeckAPI
import ShipdeckCore

/// `orders:12`, or `12` for the service named beside it.
func imageTag(_ image: String, service: String) -> String {
    image.contains(":") ? image : "\(service):\(image)"
}

struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deploy an image of a service to an environment through the health gate (zero downtime; a failed deploy never switches).")
    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The service.") var service: String
    @Argument(help: "The image: orders:12, or just the build number 12.") var image: String
    @Option(name: .customLong("env"), help: "The environment, e.g. test or prod.") var environment: String

    func run() async throws {
        let tag = imageTag(image, service: service)
        try await perform(.deploy(service: service, environment: environment, image: tag), workspace: options.directory)
        print("\(tag) deployed to \(environment); traffic switched")
    }
}

struct Rollback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Redeploy the previous good image of a service (a proxy switch while the old group is still warm).")
    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The service.") var service: String
    @Option(name: .customLong("env"), help: "The environment, e.g. test or prod.") var environment: String

    func run() async throws {
        try await perform(.rollback(service: service, environment: environment), workspace: options.directory)
        print("\(service) rolled back in \(environment)")
    }
}

struct Deploys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List a service's deploy history in an environment, newest first.")
    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The service.") var service: String
    @Option(name: .customLong("env"), help: "The environment, e.g. test or prod.") var environment: String
    @Option(help: "How many deploys to list.") var limit: Int = 20
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() async throws {
        let history: [DeployRecord]
        do {
            let core = try await WorkspaceCore.open(directory: options.directory, environment: ProcessInfo.processInfo.environment)
            history = try await core.fleet.history(service: service, environment: environment, limit: limit)
        } catch {
            throw CLIError.report(error)
        }
        if json {
            FileHandle.standardOutput.write(try APIDocuments.encoder().encode(history) + Data("\n".utf8))
            return
        }
        guard !history.isEmpty else {
            print("\(service) has not been deployed to \(environment) yet")
            return
        }
        let formatter = ISO8601DateFormatter()
        print("ID    IMAGE            OUTCOME    BY      SOURCE    STARTED               TOOK    REASON")
        for deploy in history {
            let took = deploy.duration.map { String(format: "%.1fs", $0) } ?? "-"
            print([String(deploy.id).padding(5), deploy.image.padding(16), deploy.outcome.rawValue.padding(10), deploy.by.padding(7),
                   deploy.source.padding(9), formatter.string(from: deploy.startedAt).padding(21), took.padding(7), deploy.reason ?? ""]
                .joined(separator: " "))
        }
    }
}

struct InstanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instance", abstract: "Restart or stop one instance, or print its log.",
        subcommands: [Restart.self, Stop.self, InstanceLog.self])

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace an instance with a fresh one without dropping requests.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The instance id, e.g. orders-test-3-1.") var id: String

        func run() async throws {
            try await perform(.restartInstance(id: id), workspace: options.directory)
            print("\(id) replaced by a fresh instance")
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Drain an instance and stop it.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The instance id, e.g. orders-test-3-1.") var id: String

        func run() async throws {
            try await perform(.stopInstance(id: id), workspace: options.directory)
            print("\(id) stopped")
        }
    }

    struct InstanceLog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "log", abstract: "Print an instance's captured output.")
        @OptionGroup var options: WorkspaceOptions
        @Argument(help: "The instance id, e.g. orders-test-3-1.") var id: String

        func run() async throws {
            do {
                let client = RemoteCore(locator: CoreLocator(workspace: options.directory))
                _ = try CoreLocator(workspace: options.directory).require()
                var after = 0
                while true {
                    let lines = try await client.instanceLog(id: id, after: after, limit: 10_000)
                    for line in lines { print(line.text) }
                    guard let last = lines.last else { break }
                    after = last.line
                }
            } catch {
                throw CLIError.report(error)
            }
        }
    }
}

extension String {
    /// Left-aligned in `width` columns (longer text is kept whole).
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a one-off admin command (a migration, a console) with a service's running image and an environment's configuration.",
        discussion: "Example: shipdeck run orders --env prod -- python3 migrate.py. Its output streams here; who ran what and its exit status are recorded. Prod needs its deployer roles.")
    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The service.") var service: String
    @Option(name: .customLong("env"), help: "The environment, e.g. test or prod.") var environment: String
    @Argument(parsing: .postTerminator, help: "The command, after --.") var command: [String] = []

    func validate() throws {
        if command.isEmpty { throw ValidationError("give the command after --, e.g. `shipdeck run \(service) --env \(environment) -- python3 migrate.py`") }
    }

    func run() async throws {
        let workspace = options.directory
        let id = "run-\(service)-\(environment)-\(UUID().uuidString.prefix(8).lowercased())"
        let text = command.map { $0.contains(" ") || $0.isEmpty ? "'\($0.replacingOccurrences(of: "'", with: "'\\''"))'" : $0 }.joined(separator: " ")
        let client = RemoteCore(locator: CoreLocator(workspace: workspace))
        do { _ = try CoreLocator(workspace: workspace).require() } catch { throw CLIError.report(error) }
        let person = actingPerson(workspace: workspace)
        let state = RunState()
        let running = Task {
            defer { Task { await state.finish() } }
            try await client.perform(.runOneOff(id: id, service: service, environment: environment, command: text), as: person)
        }
        var after = 0
        func drain() async {
            while let lines = try? await client.instanceLog(id: id, after: after, limit: 10_000), let last = lines.last {
                for line in lines { print(line.text) }
                after = last.line
            }
        }
        while true {
            await drain()
            if await state.done { break }
            try? await Task.sleep(for: .milliseconds(200))
        }
        await drain()
        do {
            try await running.value
        } catch let error as ShipdeckError where error.message.contains("exited with status ") {
            // The command's own exit status becomes ours, as if it had run here.
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(FleetEngine.exitStatus(error.message.components(separatedBy: "` ").last ?? ""))
        } catch {
            throw CLIError.report(error)
        }
    }

}

/// Whether a one-off run's request came back.
private actor RunState {
    private(set) var done = false
    func finish() { done = true }
}
