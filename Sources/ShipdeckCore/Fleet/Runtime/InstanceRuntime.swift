import Foundation

/// What a runtime needs to start one instance.
public struct InstanceLaunch: Sendable, Equatable {
    public var id: String
    public var service: String
    public var environment: String
    public var image: ImageRecord
    /// The port the instance must listen on (`PORT`).
    public var port: Int
    /// The service's run command (process runtime; a container runs its image's command unless set).
    public var command: String
    /// `PORT`, the environment's variables for the service, and Shipdeck's own.
    public var variables: [String: String]
    /// Where the instance's stdout and stderr are appended.
    public var logFile: URL
    public init(id: String, service: String, environment: String, image: ImageRecord, port: Int, command: String,
                variables: [String: String], logFile: URL) {
        self.id = id
        self.service = service
        self.environment = environment
        self.image = image
        self.port = port
        self.command = command
        self.variables = variables
        self.logFile = logFile
    }
}

/// How a runtime finds a started instance again, also after a restart of the core.
public struct InstanceHandle: Codable, Sendable, Equatable {
    public var processGroup: Int32?
    public var processStart: UInt64?
    public var container: String?
    public init(processGroup: Int32? = nil, processStart: UInt64? = nil, container: String? = nil) {
        self.processGroup = processGroup
        self.processStart = processStart
        self.container = container
    }

    /// What the Fleet pane shows: `pid 4242` or the short container id.
    public var display: String {
        if let container { return String(container.prefix(12)) }
        return processGroup.map { "pid \($0)" } ?? ""
    }
}

/// Whether an instance still runs.
public enum InstanceLiveness: Sendable, Equatable {
    case running
    /// It ended: the exit status or signal, as a sentence.
    case exited(String)
}

/// CPU time used so far and resident memory.
public struct ResourceUsage: Sendable, Equatable {
    public var cpuSeconds: Double
    public var memoryBytes: Int64
    /// The CPU use right now, for a runtime that reports a percentage rather than time (docker's stats);
    /// when set, it is shown as is and `cpuSeconds` is ignored.
    public var cpuPercent: Double?
    public init(cpuSeconds: Double, memoryBytes: Int64, cpuPercent: Double? = nil) {
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
        self.cpuPercent = cpuPercent
    }
}

/// Starts, watches and stops instances. Two implementations: `ProcessRuntime` (child processes in
/// their own process groups) and `ContainerRuntime` (podman or docker containers).
public protocol InstanceRuntime: Sendable {
    var kind: RuntimeKind { get }
    /// Makes `image` runnable (a container runtime builds the OCI image once); called when the image is recorded.
    /// - Returns: the reference to record (a release directory or an image id).
    func prepare(service: String, buildNumber: Int, releaseDirectory: URL) async throws -> String
    /// Starts one instance; it must answer on `launch.port` soon after.
    func start(_ launch: InstanceLaunch) async throws -> InstanceHandle
    /// Whether the instance still runs (reaps it when it was a child of this process).
    func liveness(_ handle: InstanceHandle) async -> InstanceLiveness
    /// Stops the instance: TERM, then KILL after `grace`; returns once it is gone.
    func stop(_ handle: InstanceHandle, grace: Duration) async
    /// CPU and memory, when the runtime can tell.
    func usage(_ handle: InstanceHandle) async -> ResourceUsage?
}
