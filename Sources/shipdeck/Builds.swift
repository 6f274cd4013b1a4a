import ArgumentParser
import Foundation
import ShipdeckAPI
import ShipdeckCore

/// `SERVICE#NUMBER`, as the screen names builds.
struct BuildName: ExpressibleByArgument {
    var service: String
    var number: Int

    init?(argument: String) {
        let parts = argument.split(separator: "#")
        guard parts.count == 2, let number = Int(parts[1]), number > 0 else { return nil }
        service = String(parts[0])
        self.number = number
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

struct Build: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start a build of a service through the running core.")
    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The service to build.") var service: String
    @Option(help: "The commit to build (default: the tip of the branch).") var commit: String?
    @Option(help: "The branch (default: the one checked out in the repo).") var branch: String?
    @Option(help: "The build's message (default: the commit's subject).") var message: String?

    func run() async throws {
        try await perform(.startBuild(service: service, commit: commit, branch: branch, message: message), workspace: options.directory)
        print("build of \(service) started; follow it with `shipdeck` or `shipdeck events`")
    }
}

struct Unblock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Unblock a build waiting at a block step (only people allowed for the environment it releases to).")
    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The build, e.g. orders#12.") var build: BuildName
    @Option(help: "The block step's key, when several wait.") var job: String?
    @Option(name: .customLong("field"), help: "A form value as KEY=VALUE (repeatable).") var fields: [String] = []

    func validate() throws {
        for field in fields where !field.contains("=") {
            throw ValidationError("--field '\(field)' must be KEY=VALUE")
        }
    }

    func run() async throws {
        var values: [String: String] = [:]
        for field in fields {
            let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
            values[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        try await perform(.unblock(service: build.service, number: build.number, job: job, fields: values), workspace: options.directory)
        print("\(build.service)#\(build.number) unblocked")
    }
}

struct Cancel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cancel a running build; its jobs' process groups are terminated.")
    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The build, e.g. orders#12.") var build: BuildName

    func run() async throws {
        try await perform(.cancelBuild(service: build.service, number: build.number), workspace: options.directory)
        print("\(build.service)#\(build.number) canceled")
    }
}

struct Retry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Retry a build's failed jobs (or one job) as new attempts.")
    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The build, e.g. orders#12.") var build: BuildName
    @Option(help: "Only this job (its key).") var job: String?

    func run() async throws {
        try await perform(.retryJobs(service: build.service, number: build.number, job: job), workspace: options.directory)
        print("retrying \(job.map { "\($0) of " } ?? "failed jobs of ")\(build.service)#\(build.number)")
    }
}

struct Log: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a job's log (from the running core, or from the store when none runs).")
    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The build, e.g. orders#12.") var build: BuildName
    @Argument(help: "The job (its key).") var job: String
    @Option(help: "The attempt (default: the latest).") var attempt: Int?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        do {
            let client: any CoreClient = try CoreLocator(workspace: options.directory).locate() != nil
                ? RemoteCore(locator: CoreLocator(workspace: options.directory))
                : try await WorkspaceCore.open(directory: options.directory, environment: environment)
            var after = 0
            while true {
                let lines = try await client.log(service: build.service, number: build.number, job: job, attempt: attempt, after: after, limit: 10_000)
                for line in lines { print(line.text) }
                guard let last = lines.last else { break }
                after = last.line
            }
        } catch {
            throw CLIError.report(error)
        }
    }
}
