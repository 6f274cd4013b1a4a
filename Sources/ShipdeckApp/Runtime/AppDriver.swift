import ShipdeckCore
import TerminalUI

/// The model, the update function and a terminal, without any I/O of its own: the runner feeds it
/// real events, tests and benchmarks feed it scripted ones over a `MemoryBackend`.
public final class AppDriver {
    public private(set) var model: Model
    public let terminal: Terminal

    public init(model: Model, backend: any Backend) {
        self.model = model
        self.terminal = Terminal(backend: backend)
        self.model.size = backend.size
        _ = ShipdeckApp.update(&self.model, .resize(backend.size))
    }

    /// Applies `action`; rings the bell when the update asks for it (the terminal is the driver's),
    /// and returns the other effects, for the runtime to run.
    @discardableResult
    public func dispatch(_ action: Action) -> [Effect] {
        let effects = ShipdeckApp.update(&model, action)
        guard effects.contains(.bell) else { return effects }
        terminal.bell()
        return effects.filter { $0 != .bell }
    }

    /// Turns a terminal event into an action and applies it.
    @discardableResult
    public func handle(_ event: Event) -> [Effect] {
        switch event {
        case .key(let key): return dispatch(.key(key))
        case .mouse(let mouse): return dispatch(.mouse(mouse))
        case .paste(let text): return dispatch(.paste(text))
        case .resize(let size):
            terminal.invalidate()
            return dispatch(.resize(size))
        }
    }

    /// Draws the frame for the current model; writes only what changed since the last one.
    public func render() { terminal.render(view(model)) }
}
