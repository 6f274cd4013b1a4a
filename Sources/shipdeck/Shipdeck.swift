import ArgumentParser
import Foundation
import ShipdeckApp
import ShipdeckCore

@main
struct Shipdeck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shipdeck",
        abstract: "A terminal dashboard and core for a squad's board, pipelines, fleet and alerts.",
        version: "0.1.0",
        subcommands: [Dashboard.self, Demo.self, Serve.self, Build.self, Unblock.self, Cancel.self, Retry.self, Log.self, Deploy.self, Deploys.self, Rollback.self, InstanceCommand.self, RunCommand.self, CheckCommand.self, DowntimeCommand.self,
                      AlertCommand.self,
                      Events.self, CardCommand.self, BoardCommand.self,
                      Validate.self, Status.self, Init.self, Keybindings.self],
        defaultSubcommand: Dashboard.self
    )
}

/// Options every command shares.
struct WorkspaceOptions: ParsableArguments {
    @Option(name: .long, help: "The workspace folder (holds shipdeck.yml).", completion: .directory)
    var workspace: String = "."

    var directory: URL { URL(fileURLWithPath: workspace).standardizedFileURL }
    var configFile: URL { ShipdeckPaths.configFile(in: directory) }
}

/// Options of the commands that open the dashboard.
struct ScreenOptions: ParsableArguments {
    @Option(name: .long, help: "Theme name (a file NAME.theme under themes/).")
    var theme: String?
}
