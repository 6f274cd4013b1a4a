/// The boundary between frames and a real terminal. `NCursesBackend` drives a terminal;
/// `MemoryBackend` keeps the cells in memory for tests and benchmarks.
public protocol Backend: AnyObject {
    /// The terminal's size now.
    var size: Size { get }
    /// Writes runs of cells; nothing reaches the terminal before `flush`.
    func draw(_ runs: [CellRun])
    /// Clears the terminal (after a resize) so the next draw starts from nothing.
    func clear()
    /// Sends everything drawn since the last flush to the terminal.
    func flush()
    /// Rings the terminal's bell (or flashes the screen where the terminal has no bell).
    func bell()
}

/// Keeps the previous frame and sends only changed cells to the backend.
public final class Terminal {
    public let backend: any Backend
    private var previous: Screen?
    /// How many cells the last `render` wrote (0 when the frame equalled the one before).
    public private(set) var lastWrittenCells = 0

    public init(backend: any Backend) { self.backend = backend }

    public var size: Size { backend.size }

    /// Rings the bell at once (not tied to a frame).
    public func bell() { backend.bell() }

    /// Forces the next frame to be drawn whole (after a resize or when the screen was disturbed).
    public func invalidate() {
        previous = nil
        backend.clear()
    }

    /// Draws `screen`, writing only what changed since the last frame. An equal frame writes nothing.
    public func render(_ screen: Screen) {
        if let previous, previous.styledEquals(screen) {
            lastWrittenCells = 0
            return
        }
        if previous == nil || previous!.size != screen.size { backend.clear() }
        let runs = screen.changes(since: previous?.size == screen.size ? previous : nil)
        lastWrittenCells = runs.reduce(0) { $0 + $1.cells.count }
        backend.draw(runs)
        backend.flush()
        previous = screen
    }
}

/// A backend over memory: the screen a test asserts on, and counters a benchmark reads.
public final class MemoryBackend: Backend {
    public private(set) var screen: Screen
    public private(set) var flushCount = 0
    public private(set) var cellsWritten = 0
    /// How many times the bell rang.
    public private(set) var bells = 0

    public init(size: Size) { screen = Screen(size: size) }

    public var size: Size { screen.size }

    /// Changes the size, as a terminal window resize would.
    public func resize(to size: Size) { screen = Screen(size: size) }

    public func draw(_ runs: [CellRun]) {
        for run in runs {
            for (offset, cell) in run.cells.enumerated() { screen[run.x + offset, run.y] = cell }
            cellsWritten += run.cells.count
        }
    }

    public func clear() { screen = Screen(size: screen.size) }
    public func flush() { flushCount += 1 }
    public func bell() { bells += 1 }
}
