import ArgumentParser
import Foundation
import ShipdeckAPI
import ShipdeckCore

/// Who acts: `SHIPDECK_USER`, else the config's `user:`, else `$USER`. The core checks this person's roles.
func actingPerson(workspace: URL) -> String {
    let environment = ProcessInfo.processInfo.environment
    if let handle = environment["SHIPDECK_USER"], !handle.isEmpty { return handle }
    if let handle = (try? ConfigLoader.load(file: ShipdeckPaths.configFile(in: workspace), environment: [:]))?.user { return handle }
    return environment["USER"] ?? "unknown"
}

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the running core's events as JSON lines (for scripts); follows until interrupted.")

    @OptionGroup var options: WorkspaceOptions
    @Option(name: .long, help: "Start after this sequence number (default: a snapshot, then every change).")
    var after: Int64?
    @Option(name: .long, help: "Stop after this many events.")
    var limit: Int?

    func run() async throws {
        let remote = RemoteCore(locator: CoreLocator(workspace: options.directory))
        do { _ = try CoreLocator(workspace: options.directory).require() } catch { throw CLIError.report(error) }
        let encoder = APIDocuments.encoder()
        var count = 0
        for await event in await remote.events(after: after) {
            FileHandle.standardOutput.write(try encoder.encode(event) + Data("\n".utf8))
            count += 1
            if let limit, count >= limit { break }
        }
    }
}

/// Sends `command` to the workspace's running core as the acting person.
@discardableResult
func perform(_ command: CoreCommand, workspace: URL) async throws -> CommandOutcome {
    do {
        return try await RemoteCore(locator: CoreLocator(workspace: workspace)).perform(command, as: actingPerson(workspace: workspace))
    } catch {
        throw CLIError.report(error)
    }
}

/// The running core's state when one runs, else the store's (as `shipdeck status` reads it).
func currentSnapshot(workspace: URL) async throws -> WorkspaceSnapshot {
    do {
        if try CoreLocator(workspace: workspace).locate() != nil {
            return try await RemoteCore(locator: CoreLocator(workspace: workspace)).snapshot()
        }
        return try await WorkspaceCore.open(directory: workspace, environment: ProcessInfo.processInfo.environment).snapshot()
    } catch { throw CLIError.report(error) }
}
