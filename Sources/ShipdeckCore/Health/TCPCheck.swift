import Foundation
import NIOCore
import NIOPosix

/// Connects to a port and closes again, reporting as Debian's `check_tcp` does
/// (`TCP OK - 0.000 second response time on HOST port PORT|time=…s;;;0.000000;TIMEOUT`).
public struct TCPCheck: Sendable {
    let group: any EventLoopGroup

    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) { self.group = group }

    /// Connects within `timeout` seconds.
    public func check(host: String, port: Int, timeout: Double, at date: Date) async -> CheckResult {
        let started = runnerMonotonicNanoseconds()
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(Int64(max(0.001, timeout) * 1000)))
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
        do {
            let channel = try await bootstrap.connect(host: host, port: port).get()
            let seconds = Double(runnerMonotonicNanoseconds() - started) / 1e9
            try? await channel.close()
            let perf = PerfDatum(label: "time", value: seconds, unit: "s", min: 0, max: timeout)
            return CheckResult(status: .ok, output: "TCP OK - " + String(format: "%.3f", seconds) + " second response time on \(host) port \(port)",
                               perfdata: [perf], duration: seconds, at: date)
        } catch {
            let seconds = Double(runnerMonotonicNanoseconds() - started) / 1e9
            let text = String(describing: error)
            let why = text.contains("refused") || text.contains("ECONNREFUSED") ? "Connection refused"
                : text.contains("imeout") || text.contains("timedOut") ? String(format: "Socket timeout after %.0f seconds", timeout) : text
            return CheckResult(status: .critical, output: "connect to address \(host) and port \(port): \(why)", duration: seconds, at: date)
        }
    }
}
