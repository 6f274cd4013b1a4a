import Foundation
import NIOCore
import NIOPosix
import ShipdeckCore

// The `proxy` mode: a ServiceProxy in front of given backends, serving until killed (SIGINT/SIGTERM
// print the proxy's own stats and exit), for an external load generator such as wrk
// (scripts/bench-proxy.sh compares it with nginx direct and HAProxy).
//
//   shipdeck-bench proxy --listen PORT --backend HOST:PORT [--backend HOST:PORT …]
//                        [--host 127.0.0.1] [--threads N] [--max-seconds N]

enum ProxyBench {
    struct Settings {
        var host = "127.0.0.1"
        var port = 18081
        var backends: [ProxyBackend] = []
        var threads = System.coreCount
        /// Exit by itself after this long, whatever happens (a benchmark never outlives its script).
        var maxSeconds = 600
    }

    static func usage() -> Never {
        print("usage: shipdeck-bench proxy --listen PORT --backend HOST:PORT [--backend HOST:PORT …]")
        print("                            [--host 127.0.0.1] [--threads N (default: cores)] [--max-seconds N (default 600)]")
        exit(2)
    }

    static func parse(_ arguments: [String]) -> Settings {
        var settings = Settings()
        var it = arguments.makeIterator()
        while let argument = it.next() {
            switch argument {
            case "--listen": settings.port = Int(it.next() ?? "") ?? -1
            case "--host": settings.host = it.next() ?? settings.host
            case "--threads": settings.threads = max(1, Int(it.next() ?? "") ?? settings.threads)
            case "--max-seconds": settings.maxSeconds = max(1, Int(it.next() ?? "") ?? settings.maxSeconds)
            case "--backend":
                let value = it.next() ?? ""
                guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]) else {
                    FileHandle.standardError.write(Data("proxy: --backend wants HOST:PORT, got '\(value)'\n".utf8))
                    exit(2)
                }
                let id = "backend-\(settings.backends.count + 1)"
                settings.backends.append(ProxyBackend(instanceID: id, host: String(value[..<colon]), port: port))
            case "-h", "--help": usage()
            default:
                FileHandle.standardError.write(Data("proxy: unknown argument \(argument)\n".utf8))
                usage()
            }
        }
        guard (0...65535).contains(settings.port), !settings.backends.isEmpty else { usage() }
        return settings
    }

    static func run(_ arguments: [String]) -> Never {
        let settings = parse(arguments)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: settings.threads)
        let proxy = ServiceProxy(label: "bench", host: settings.host, port: settings.port, group: group)
        proxy.route(to: settings.backends)
        do {
            try runBlocking { try await proxy.start() }
        } catch {
            FileHandle.standardError.write(Data("proxy: \(error)\n".utf8))
            exit(1)
        }
        let backends = settings.backends.map { "\($0.host):\($0.port)" }.joined(separator: ", ")
        FileHandle.standardError.write(Data("proxy: listening on \(settings.host):\(proxy.boundPort) → \(backends), \(settings.threads) event loop(s)\n".utf8))

        let done = DispatchSemaphore(value: 0)
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { done.signal() }
            source.resume()
            sources.append(source)
        }
        _ = done.wait(timeout: .now() + .seconds(settings.maxSeconds))
        let stats = proxy.stats()
        FileHandle.standardError.write(Data(String(
            format: "proxy: %llu requests, %llu errors, p50 %.3f ms, p99 %.3f ms (proxy's own view, last window)\n",
            stats.requests, stats.errors, stats.p50 * 1000, stats.p99 * 1000).utf8))
        try? runBlocking { await proxy.stop() }
        try? group.syncShutdownGracefully()
        exit(0)
    }
}
