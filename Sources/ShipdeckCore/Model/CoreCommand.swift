import Foundation

/// A request to change state, carried out by the core on behalf of a person. The core, not the
/// client, checks the person's roles, so every client gets the same refusal with the same sentence.
public enum CoreCommand: Codable, Sendable, Equatable {
    case moveCard(id: String, toColumn: String)
    case deleteCard(id: String)
}

/// The way a client (the dashboard, a CLI command) talks to a core, whether it runs in this process
/// or behind the local API.
public protocol CoreClient: Sendable {
    /// The current state.
    func snapshot() async throws -> WorkspaceSnapshot
    /// Every change from now on, starting with a `.snapshot` event.
    func events() async -> AsyncStream<CoreEvent>
    /// Carries out `command` as `person`; throws `ShipdeckError` when refused or invalid.
    func perform(_ command: CoreCommand, as person: String) async throws
}
