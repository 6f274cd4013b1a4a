import ArgumentParser
import Foundation
import ShipdeckAPI
import ShipdeckApp
import ShipdeckCore

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create (once) and open a demo workspace with sample services, cards, people and an on-call rota.")

    @Option(name: .long, help: "Where the demo workspace lives (default: a per-user data folder).", completion: .directory)
    var dir: String?
    @OptionGroup var screen: ScreenOptions
    @Flag(name: .long, help: "Create the demo workspace and print its folder without opening the dashboard.")
    var createOnly = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let directory = dir.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? ShipdeckPaths.defaultDemoDirectory(environment: environment)
        if createOnly {
            try await Demo.create(directory: directory, environment: environment)
            print(directory.path)
            return
        }
        try await Demo.openDemo(directory: directory, theme: screen.theme, environment: environment)
    }

    /// Creates the demo; unless `SHIPDECK_DEMO_BUILDS=0`, its first core builds every service once.
    static func create(directory: URL, environment: [String: String]) async throws {
        do {
            _ = try await DemoWorkspace.create(at: directory, now: Date(), firstBuilds: environment["SHIPDECK_DEMO_BUILDS"] != "0")
        } catch {
            throw CLIError.report(error)
        }
    }

    static func openDemo(directory: URL, theme: String?, environment: [String: String]) async throws {
        try await create(directory: directory, environment: environment)
        try await DashboardLauncher.open(workspace: directory, theme: theme, environment: environment)
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check shipdeck.yml and every service's pipeline file, or one pipeline file; every error names file:line:column.")

    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "A pipeline file to check on its own (default: the workspace's config and pipelines).", completion: .file())
    var file: String?

    func run() throws {
        var errors: [ShipdeckError] = []
        var checked: [String] = []
        if let file {
            errors += pipelineErrors(URL(fileURLWithPath: file), display: file)
            checked.append(file)
        } else {
            errors += ConfigLoader.validate(file: options.configFile)
            checked.append(options.configFile.path)
            if errors.isEmpty, let config = try? ConfigLoader.load(file: options.configFile) {
                for service in config.services {
                    let path = (service.repo as NSString).appendingPathComponent(service.pipeline)
                    let url = URL(fileURLWithPath: path, relativeTo: options.directory)
                    guard FileManager.default.fileExists(atPath: url.path) else {
                        errors.append(ShipdeckError(.config, "\(service.name) has no pipeline file at \(path)", field: "services.\(service.name).pipeline",
                                                    hint: "commit .buildkite/pipeline.yml to the repo, or set `pipeline:` to its path"))
                        continue
                    }
                    errors += pipelineErrors(url, display: path)
                    checked.append(path)
                }
            }
        }
        guard errors.isEmpty else {
            for error in errors { FileHandle.standardError.write(Data("error: \(error)\n".utf8)) }
            FileHandle.standardError.write(Data("\(errors.count) error\(errors.count == 1 ? "" : "s")\n".utf8))
            throw ExitCode.failure
        }
        for path in checked { print("\(path): OK") }
    }

    private func pipelineErrors(_ url: URL, display: String) -> [ShipdeckError] {
        do {
            _ = try PipelineParser.parse(contentsOf: url, displayName: display)
            return []
        } catch {
            return error.errors
        }
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the state the dashboard shows.")

    @OptionGroup var options: WorkspaceOptions
    @Flag(name: .long, help: "Print the snapshot as JSON, for scripts.")
    var json = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        // The running core's state when one runs, else straight from the store.
        let snapshot: WorkspaceSnapshot
        do {
            if try CoreLocator(workspace: options.directory).locate() != nil {
                snapshot = try await RemoteCore(locator: CoreLocator(workspace: options.directory)).snapshot()
            } else {
                snapshot = try await WorkspaceCore.open(directory: options.directory, environment: environment).snapshot()
            }
        } catch { throw CLIError.report(error) }
        if json {
            // The same document as the API's GET /v1/snapshot (openapi/shipdeck.yaml, Snapshot).
            FileHandle.standardOutput.write(try APIDocuments.encoder().encode(snapshot) + Data("\n".utf8))
        } else {
            print(StatusText.render(snapshot))
        }
    }
}

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a starting shipdeck.yml for a folder of service repositories.")

    @Argument(help: "The folder that holds your service repositories (default: --workspace).", completion: .directory)
    var dir: String?
    @OptionGroup var options: WorkspaceOptions

    func run() throws {
        let directory = dir.map { URL(fileURLWithPath: $0).standardizedFileURL } ?? options.directory
        do {
            let result = try WorkspaceInitializer.run(directory: directory, environment: ProcessInfo.processInfo.environment)
            print("Wrote \(result.configFile.path) with \(result.services.count) service\(result.services.count == 1 ? "" : "s"):")
            for service in result.services {
                print("  \(service.name)  \(service.repo)  pipeline: \(service.pipeline ?? "none found")  port \(service.port)")
            }
            print("Check it with: shipdeck validate --workspace \(directory.path)")
        } catch { throw CLIError.report(error) }
    }
}

struct Keybindings: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the keybindings as Markdown (the source of docs/keybindings.md).", shouldDisplay: false)

    func run() throws { print(KeybindingsDoc.markdown(), terminator: "") }
}
