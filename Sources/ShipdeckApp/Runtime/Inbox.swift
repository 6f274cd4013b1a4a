import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Actions that arrive from other tasks (core events, finished effects, signals). Pushing one
/// writes a byte to a pipe so the UI thread's `poll` wakes up; nothing else wakes it.
public final class Inbox: Sendable {
    private let queue = Mutex<[Action]>([])
    public let readFD: Int32
    private let writeFD: Int32

    public init() {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "cannot create the wake-up pipe")
        readFD = fds[0]
        writeFD = fds[1]
        _ = fcntl(readFD, F_SETFL, fcntl(readFD, F_GETFL) | O_NONBLOCK)
        _ = fcntl(writeFD, F_SETFL, fcntl(writeFD, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        close(readFD)
        close(writeFD)
    }

    public func push(_ action: Action) {
        queue.withLock { $0.append(action) }
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    /// Everything pushed so far, in order; empties the pipe too.
    public func drain() -> [Action] {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(readFD, &buffer, buffer.count) > 0 {}
        return queue.withLock { actions in
            defer { actions.removeAll() }
            return actions
        }
    }
}
