import ArgumentParser
import Foundation
import Logging
import ShipdeckAPI
import ShipdeckApp
import ShipdeckCore
import TerminalUI

struct Dashboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard", abstract: "Open the dashboard on a workspace (the default command).")

    @OptionGroup var options: WorkspaceOptions
    @OptionGroup var screen: ScreenOptions

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard FileManager.default.fileExists(atPath: options.configFile.path) else {
            try await offerDemo(environment: environment)
            return
        }
        try await DashboardLauncher.open(workspace: options.directory, theme: screen.theme, environment: environment)
    }

    /// No workspace here: say how to start one, and offer the demo when a person is at the terminal.
    private func offerDemo(environment: [String: String]) async throws {
        let stderr = FileHandle.standardError
        let text = """
            No shipdeck.yml in \(options.directory.path).
              Start a workspace from your service repos:  shipdeck init \(options.workspace == "." ? "" : options.workspace)
              Or try Shipdeck on a demo workspace:         shipdeck demo

            """
        stderr.write(Data(text.utf8))
        guard isatty(STDIN_FILENO) == 1, isatty(STDERR_FILENO) == 1 else { throw ExitCode(2) }
        stderr.write(Data("Open the demo now? [Y/n] ".utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? "n"
        guard answer.isEmpty || answer == "y" || answer == "yes" else { throw ExitCode(2) }
        try await Demo.openDemo(directory: ShipdeckPaths.defaultDemoDirectory(environment: environment), theme: screen.theme, environment: environment)
    }
}

/// Opens the dashboard on a workspace: attached to the workspace's running core when there is one,
/// else with an in-process core (which also serves the API, so others can attach to it). Restores
/// the terminal on every exit.
enum DashboardLauncher {
    static func open(workspace: URL, theme: String?, environment: [String: String]) async throws {
        var client: (any CoreClient)?
        var coreLabel = CoreLabel.owned
        var host: CoreHost?
        // Attach to the running core, or run one here. A core that is just stopping (its instances
        // shutting down) still holds the lock for a moment after its API is gone: try again for a
        // while instead of failing, but report a real problem (a config error) at once.
        let deadline = Date().addingTimeInterval(20)
        while client == nil {
            do {
                if let endpoint = try CoreLocator(workspace: workspace).locate() {
                    let remote = RemoteCore(locator: CoreLocator(workspace: workspace))
                    _ = try await remote.snapshot()
                    client = remote
                    coreLabel = CoreLabel.attached(endpoint.holder)
                } else {
                    var logger = Logger(label: "shipdeck")
                    logger.logLevel = .critical  // the screen is the dashboard's log; nothing may write over it
                    let started = try await CoreHost.start(workspace: workspace, mode: "dashboard", environment: environment, logger: logger)
                    host = started
                    client = started.core
                    coreLabel = CoreLabel.owned
                }
            } catch let error as ShipdeckError where [.refused, .notFound, .io].contains(error.kind) && Date() < deadline {
                try? await Task.sleep(for: .milliseconds(250))
            } catch {
                throw CLIError.report(error)
            }
        }
        guard let client else { return }
        do {
            let signal = try await run(client: client, coreLabel: coreLabel, workspace: workspace, theme: theme, environment: environment)
            await host?.stop()
            // Like any program ended by a signal: 130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP.
            if let signal { throw ExitCode(128 + signal) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            await host?.stop()
            throw CLIError.report(error)
        }
    }

    private static func run(client: any CoreClient, coreLabel: String, workspace: URL, theme: String?, environment: [String: String]) async throws -> Int32? {
        let snapshot = try await client.snapshot()
        let configTheme = (try? ConfigLoader.load(file: ShipdeckPaths.configFile(in: workspace), environment: environment))?.theme
        let catalog = ThemeCatalog.standard(workspace: workspace, environment: environment, executable: Bundle.main.executableURL)
        let (loadedTheme, notice) = catalog.load(theme ?? configTheme ?? "default")
        var model = Model(snapshot: snapshot, size: Size(width: 80, height: 24), now: Date(), coreLabel: coreLabel,
                          theme: loadedTheme, glyphs: Glyphs.forEnvironment(environment), themeNames: catalog.names)
        model.notice = notice
        let person = snapshot.currentUser?.handle ?? environment["USER"] ?? "unknown"
        let runner = AppRunner(client: client, person: person, themes: catalog)
        let noColor = !(environment["NO_COLOR"] ?? "").isEmpty
        return try await runner.run(model: model, noColor: noColor)
    }
}

/// Wraps any error so ArgumentParser prints our sentence (after the terminal was restored) and exits 1.
enum CLIError {
    static func report(_ error: any Error) -> any Error {
        if error is ExitCode || error is CleanExit { return error }
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        return ExitCode.failure
    }
}
