import ArgumentParser
import Foundation
import Logging
import ShipdeckAPI
import ShipdeckApp
import ShipdeckCore

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the workspace's core without a screen; dashboards and scripts attach through its local API.")

    @OptionGroup var options: WorkspaceOptions
    @Option(name: .long, help: "Address the API listens on (default: the config's api.listen, 127.0.0.1).")
    var listen: String?
    @Option(name: .long, help: "API port (default: the config's api.port; 0 picks a free port).")
    var port: Int?
    @Flag(name: .long, help: "Allow listening on a non-loopback address.")
    var allowRemote = false

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Logger.Level(rawValue: ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "") ?? .info
            return handler
        }
        let logger = Logger(label: "shipdeck")
        let environment = ProcessInfo.processInfo.environment
        let signals = SignalWaiter([SIGINT, SIGTERM])
        let host: CoreHost
        do {
            var api: APIServerConfiguration?
            if listen != nil || port != nil || allowRemote {
                let config = try? ConfigLoader.load(file: options.configFile, environment: environment)
                api = APIServerConfiguration(host: listen ?? config?.api.listen ?? "127.0.0.1", port: port ?? config?.api.port ?? 0, allowRemote: allowRemote)
            }
            host = try await CoreHost.start(workspace: options.directory, mode: "serve", environment: environment, api: api, logger: logger)
        } catch {
            throw CLIError.report(error)
        }
        let signal = await signals.next()
        logger.info("received signal \(signal)")
        await host.stop()
    }
}

/// Waits for one of a set of signals without letting them kill the process.
final class SignalWaiter: Sendable {
    private let stream: AsyncStream<Int32>
    private let listener: SignalListener

    init(_ numbers: [Int32]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.stream = stream
        listener = SignalListener(numbers) { continuation.yield($0) }
    }

    func next() async -> Int32 {
        for await number in stream { return number }
        return 0
    }
}
