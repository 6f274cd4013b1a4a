import Foundation

/// Where Shipdeck keeps files on disk.
public enum ShipdeckPaths {
    /// The config file name inside a workspace.
    public static let configFileName = "shipdeck.yml"
    /// The state folder inside a workspace.
    public static let stateDirectoryName = ".shipdeck"
    /// The database file name inside the state folder.
    public static let databaseFileName = "state.sqlite"

    /// `$XDG_DATA_HOME/shipdeck/demo`, or `~/.local/share/shipdeck/demo` when XDG_DATA_HOME is unset.
    public static func defaultDemoDirectory(environment: [String: String]) -> URL {
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty {
            return URL(fileURLWithPath: xdg).appendingPathComponent("shipdeck/demo")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".local/share/shipdeck/demo")
    }

    /// `WORKSPACE/shipdeck.yml`.
    public static func configFile(in workspace: URL) -> URL {
        workspace.appendingPathComponent(configFileName)
    }

    /// `WORKSPACE/.shipdeck/`.
    public static func stateDirectory(in workspace: URL) -> URL {
        workspace.appendingPathComponent(stateDirectoryName, isDirectory: true)
    }

    /// `WORKSPACE/.shipdeck/state.sqlite`.
    public static func defaultDatabase(in workspace: URL) -> URL {
        stateDirectory(in: workspace).appendingPathComponent(databaseFileName)
    }
}
