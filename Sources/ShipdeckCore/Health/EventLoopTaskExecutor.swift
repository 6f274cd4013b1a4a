import NIOCore
import NIOPosix

/// Runs a task's jobs on one event loop. Checks made by a task that prefers it
/// (`withTaskExecutorPreference(executor) { … }`) run on that loop with their connections and
/// results: no thread hop to the loop and back per check (scripts/bench-health.sh measures both).
/// A default actor called from such a task runs there too.
@available(macOS 15.0, iOS 18.0, watchOS 11.0, tvOS 18.0, *)
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    /// - Parameter eventLoop: the loop to run on; one of the process-wide group's by default.
    public init(_ eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    /// Suspends until `deadline` on the loop's own timer (`Task.sleep` would fire on a timer thread
    /// and hop back); throws `CancellationError` when the task is canceled first.
    public func sleep(until deadline: NIODeadline) async throws {
        let scheduled = eventLoop.scheduleTask(deadline: deadline) {}
        do {
            try await withTaskCancellationHandler {
                try await scheduled.futureResult.get()
            } onCancel: {
                scheduled.cancel()
            }
        } catch EventLoopError.cancelled {
            throw CancellationError()
        }
    }
}
