import Foundation
import ShipdeckCore

/// Finds the running core of a workspace through `.shipdeck/` (the lock, core.json and the token).
public struct CoreLocator: Sendable {
    public let workspace: URL

    public init(workspace: URL) { self.workspace = workspace }

    /// Where to reach the running core.
    public struct Endpoint: Sendable, Equatable {
        public var url: String
        public var token: String
        public var holder: CoreHolder
    }

    /// The running core's endpoint, or nil when no core runs (or it has not opened its API yet).
    public func locate() throws -> Endpoint? {
        guard let holder = WorkspaceLock.runningHolder(workspace: workspace), let url = holder.api else { return nil }
        guard let token = try APIToken.load(workspace: workspace) else { return nil }
        return Endpoint(url: url, token: token, holder: holder)
    }

    /// The running core's endpoint, or an error that says how to start one.
    public func require() throws -> Endpoint {
        guard let endpoint = try locate() else {
            throw ShipdeckError(.notFound, "no core runs for \(workspace.path)",
                                hint: "start one with `shipdeck serve --workspace \(workspace.path)` or open the dashboard with `shipdeck`")
        }
        return endpoint
    }
}
