import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ShipdeckAPI
import ShipdeckApp
import ShipdeckCore
import TerminalUI

// The `fanout` section: the core's local API under a real loopback HTTP server (Hummingbird) and
// real clients (AsyncHTTPClient), on a demo workspace whose store is SQLite on disk.
//
// 1. Event fan-out: K card moves performed on the in-process core as fast as it accepts them, while
//    N clients follow `GET /v1/events`. Delivery latency = publish instant (ContinuousClock, just
//    before `perform`) → receive instant in the client, per event per client. Baselines in the same
//    run: N and 1 in-process subscribers (`core.events(after:)`), and 1 HTTP client.
// 2. Attach: nothing → CoreLocator → RemoteCore.snapshot() → first event of events(after: nil) →
//    view + Terminal.render on a 200×60 MemoryBackend; baseline: the same from the in-process core.

/// Runs `body` to completion from synchronous top-level code (main.swift stays synchronous; nothing
/// here needs the main actor).
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
    let box = BlockingBox<T>()
    let semaphore = DispatchSemaphore(value: 0)
    Task.detached {
        do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
        semaphore.signal()
    }
    semaphore.wait()
    return try box.result!.get()
}

struct FanoutSettings: Sendable {
    var events: Int
    var clients: Int
    var attaches: Int
}

/// One fan-out case's outcome.
struct FanoutResult: Sendable {
    var name: String
    var clients: Int
    var published: Int
    /// First publish → last `perform` returned.
    var publishWall: Duration
    /// Each `perform`'s own duration (the SQLite transaction plus the in-process delivery).
    var perform: Stats
    var delivered: Int
    /// First publish → last receive in any client.
    var deliveryWall: Duration
    /// Publish → receive, one sample per event per client.
    var latency: Stats
    /// Events the core published during the run that the benchmark did not (should be 0).
    var foreignEvents: Int64

    var deliveredPerSecond: Double { deliveryWall.ms > 0 ? Double(delivered) / (deliveryWall.ms / 1_000) : 0 }
    var publishedPerSecond: Double { publishWall.ms > 0 ? Double(published) / (publishWall.ms / 1_000) : 0 }
}

/// One attach case's outcome: total and per-phase timings.
struct AttachResult: Sendable {
    var name: String
    var total: Stats
    var phases: [(String, Stats)]
}

/// Hands a result from the detached task to the blocked thread (the semaphore orders the accesses).
final class BlockingBox<T>: @unchecked Sendable { var result: Result<T, any Error>? }

enum FanoutBench {
    static let clock = ContinuousClock()

    /// Progress on stderr (stdout is the report).
    static func progress(_ text: String) { FileHandle.standardError.write(Data("fanout: \(text)\n".utf8)) }
    static let person = "fay"
    static let card = "SHP-1"
    static let columns = ["In Progress", "Review"]

    /// How a client follows the event stream.
    enum Follower: Sendable {
        /// `await core.events(after:)` in this process.
        case inProcess
        /// `RemoteCore.events(after:)`, each with its own `HTTPClient` (as if each were its own dashboard process).
        case remoteCore
        /// A bare AsyncHTTPClient request on `/v1/events` parsed with `ServerSentEvents.Parser`, reading
        /// only the `id:` (no JSON decoding): what the transport costs without the client's decoding.
        case rawSSE

        var label: String {
            switch self {
            case .inProcess: return "in-process subscriber"
            case .remoteCore: return "RemoteCore over HTTP"
            case .rawSSE: return "raw SSE reader over HTTP"
            }
        }
    }

    // MARK: Workspace and core

    static func makeWorkspace() async throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shipdeck-bench-fanout-\(getpid())")
        try? FileManager.default.removeItem(at: directory)
        try await DemoWorkspace.create(at: directory, now: Date())
        return directory
    }

    static func startHost(_ workspace: URL) async throws -> CoreHost {
        var logger = Logger(label: "shipdeck-bench")
        logger.logLevel = .critical  // stdout is the Markdown report
        return try await CoreHost.start(workspace: workspace, mode: "bench", environment: ["USER": person],
                                        api: APIServerConfiguration(host: "127.0.0.1", port: 0), logger: logger)
    }

    static func makeClient() -> HTTPClient {
        HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init())
    }

    /// Waits until the core counts `count` subscribers; false after `timeout`.
    static func waitForSubscribers(_ core: WorkspaceCore, atLeast count: Int, timeout: Duration = .seconds(10)) async -> Bool {
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if await core.subscriberCount >= count { return true }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return await core.subscriberCount >= count
    }

    /// Waits until dead subscribers are gone (the server notices a closed connection on its next write).
    static func drainSubscribers(_ core: WorkspaceCore, to count: Int, timeout: Duration = .seconds(3)) async {
        let deadline = clock.now + timeout
        while await core.subscriberCount > count, clock.now < deadline {
            try? await core.notice("shipdeck-bench: flush closed streams")
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The store's floor on this disk: median time of a 256-byte append + fsync in the workspace folder.
    static func fsyncFloor(in directory: URL, count: Int = 200) throws -> Stats {
        let file = directory.appendingPathComponent("fsync-probe")
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        let bytes = Data(repeating: 0x2a, count: 256)
        var samples: [Duration] = []
        for _ in 0..<count {
            let t0 = clock.now
            try handle.write(contentsOf: bytes)
            try handle.synchronize()
            samples.append(clock.now - t0)
        }
        return Stats(name: "fsync", samples: samples)
    }

    /// Stops a host once the server has let go of every closed stream: `CoreHost.stop` shuts the
    /// server down gracefully, which waits for open responses, and an event stream that subscribes
    /// after `core.shutdown()` (a request still queued in a client) never ends.
    static func stop(_ host: CoreHost, subscribersBefore: Int) async {
        await drainSubscribers(host.core, to: subscribersBefore)
        await host.stop()
    }

    // MARK: 1. Fan-out

    /// Receive instants indexed by `sequence - base - 1`; nil where an event never arrived.
    typealias Arrivals = [ContinuousClock.Instant?]

    static func follow(_ stream: AsyncStream<CoreEvent>, base: Int64, count: Int) async -> Arrivals {
        var arrivals = Arrivals(repeating: nil, count: count)
        var got = 0
        for await event in stream {
            let now = clock.now
            let index = Int(event.sequence - base) - 1
            guard index >= 0, index < count, case .cardUpdated = event.change, arrivals[index] == nil else { continue }
            arrivals[index] = now
            got += 1
            if got == count { break }
        }
        return arrivals
    }

    static func followRaw(endpoint: CoreLocator.Endpoint, client: HTTPClient, base: Int64, count: Int) async -> Arrivals {
        var arrivals = Arrivals(repeating: nil, count: count)
        var got = 0
        do {
            var request = HTTPClientRequest(url: endpoint.url + "/v1/events?after=\(base)")
            request.headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
            request.headers.add(name: "Accept", value: "text/event-stream")
            let response = try await client.execute(request, timeout: .hours(1))
            var parser = ServerSentEvents.Parser()
            reading: for try await buffer in response.body {
                let now = clock.now
                for message in parser.feed(buffer.readableBytesView) {
                    guard let id = message.id.flatMap(Int64.init) else { continue }
                    let index = Int(id - base) - 1
                    guard index >= 0, index < count, arrivals[index] == nil else { continue }
                    arrivals[index] = now
                    got += 1
                }
                if got == count { break reading }
            }
        } catch {
            // Cancelled by the watchdog, or the stream failed: report what arrived.
        }
        return arrivals
    }

    /// Publishes `settings.events` card moves while `clients` followers of `kind` listen.
    static func fanout(workspace: URL, kind: Follower, clients: Int, events count: Int) async throws -> FanoutResult {
        let host = try await startHost(workspace)
        let core = host.core
        let endpoint = try CoreLocator(workspace: workspace).require()
        let base = await core.lastEventSequence
        let before = await core.subscriberCount

        var httpClients: [HTTPClient] = []
        var followers: [Task<Arrivals, Never>] = []
        for _ in 0..<clients {
            switch kind {
            case .inProcess:
                let stream = await core.events(after: base)
                followers.append(Task { await follow(stream, base: base, count: count) })
            case .remoteCore:
                let client = makeClient()
                httpClients.append(client)
                let remote = RemoteCore(locator: CoreLocator(workspace: workspace), client: client)
                followers.append(Task { await follow(await remote.events(after: base), base: base, count: count) })
            case .rawSSE:
                let client = makeClient()
                httpClients.append(client)
                followers.append(Task { await followRaw(endpoint: endpoint, client: client, base: base, count: count) })
            }
        }
        guard await waitForSubscribers(core, atLeast: before + clients) else {
            let subscribed = await core.subscriberCount - before
            throw ShipdeckError(.io, "only \(subscribed) of \(clients) \(kind.label)s subscribed within 10 s")
        }

        // Publish as fast as the core accepts commands, one at a time (the core serializes them anyway).
        var published = [ContinuousClock.Instant](repeating: clock.now, count: count)
        var performs: [Duration] = []
        performs.reserveCapacity(count)
        for i in 0..<count {
            let t0 = clock.now
            published[i] = t0
            try await core.perform(.moveCard(id: card, toColumn: columns[i % columns.count]), as: person)
            performs.append(clock.now - t0)
        }
        let publishWall = clock.now - published[0]
        let foreign = await core.lastEventSequence - base - Int64(count)

        // A watchdog ends followers that are still waiting after a generous deadline.
        let started = followers
        let watchdog = Task {
            try? await Task.sleep(for: .seconds(30) + publishWall * 4)
            for follower in started { follower.cancel() }
        }
        var latencies: [Duration] = []
        latencies.reserveCapacity(count * clients)
        var lastArrival = published[0]
        for follower in followers {
            let arrivals = await follower.value
            for (i, arrival) in arrivals.enumerated() {
                guard let arrival else { continue }
                latencies.append(arrival - published[i])
                lastArrival = max(lastArrival, arrival)
            }
        }
        watchdog.cancel()
        for client in httpClients { try? await client.shutdown() }
        await stop(host, subscribersBefore: before)
        return FanoutResult(name: "\(clients) × \(kind.label)", clients: clients, published: count, publishWall: publishWall,
                            perform: Stats(name: "perform", samples: performs), delivered: latencies.count,
                            deliveryWall: lastArrival - published[0], latency: Stats(name: "latency", samples: latencies),
                            foreignEvents: foreign)
    }

    /// How many of `clients` RemoteCores sharing one `HTTPClient` (e.g. `.shared`) get their event
    /// stream opened within `wait`: AsyncHTTPClient keeps at most
    /// `concurrentHTTP1ConnectionsPerHostSoftLimit` (8 by default) HTTP/1 connections per host and
    /// queues further requests, and an SSE response never frees its connection.
    static func sharedClientStreams(workspace: URL, clients: Int, wait: Duration = .seconds(2)) async throws -> Int {
        let host = try await startHost(workspace)
        let client = makeClient()
        let base = await host.core.lastEventSequence
        var followers: [Task<Void, Never>] = []
        for _ in 0..<clients {
            let remote = RemoteCore(locator: CoreLocator(workspace: workspace), client: client)
            followers.append(Task { for await _ in await remote.events(after: base) {} })
        }
        _ = await waitForSubscribers(host.core, atLeast: clients, timeout: wait)
        let opened = await host.core.subscriberCount
        for follower in followers { follower.cancel() }
        try? await client.shutdown()
        await stop(host, subscribersBefore: 0)
        return opened
    }

    // MARK: 2. Attach and first frame

    static let size = Size(width: 200, height: 60)

    /// Draws the first frame of a dashboard on `snapshot` into a fresh 200×60 terminal; returns cells written.
    static func firstFrame(_ snapshot: WorkspaceSnapshot, coreLabel: String) -> Int {
        var model = Model(snapshot: snapshot, size: size, now: Date(), coreLabel: coreLabel, theme: .fallback, glyphs: .unicode)
        _ = update(&model, .resize(size))
        let terminal = Terminal(backend: MemoryBackend(size: size))
        terminal.render(view(model))
        return terminal.lastWrittenCells
    }

    static func firstEvent(_ stream: AsyncStream<CoreEvent>) async -> CoreEvent? {
        for await event in stream { return event }
        return nil
    }

    /// One attach through the API, as a dashboard process that finds a running core does it.
    static func attachRemote(workspace: URL) async throws -> [Duration] {
        let t0 = clock.now
        let locator = CoreLocator(workspace: workspace)
        let endpoint = try locator.require()
        let client = makeClient()  // a new process has no warm connection
        let remote = RemoteCore(locator: locator, client: client)
        let t1 = clock.now
        var snapshot = try await remote.snapshot()
        let t2 = clock.now
        guard let first = await firstEvent(await remote.events(after: nil)) else {
            throw ShipdeckError(.io, "the event stream ended before its first event")
        }
        snapshot.apply(first.change)
        let t3 = clock.now
        blackHole &+= firstFrame(snapshot, coreLabel: CoreLabel.attached(endpoint.holder))
        let t4 = clock.now
        try? await client.shutdown()
        return [t4 - t0, t1 - t0, t2 - t1, t3 - t2, t4 - t3]
    }

    /// The same with the in-process core: no locating, no HTTP, no JSON.
    static func attachInProcess(core: WorkspaceCore) async throws -> [Duration] {
        let t0 = clock.now
        let t1 = t0
        var snapshot = await core.snapshot()
        let t2 = clock.now
        guard let first = await firstEvent(await core.events(after: nil)) else {
            throw ShipdeckError(.io, "the event stream ended before its first event")
        }
        snapshot.apply(first.change)
        let t3 = clock.now
        blackHole &+= firstFrame(snapshot, coreLabel: CoreLabel.owned)
        let t4 = clock.now
        return [t4 - t0, t1 - t0, t2 - t1, t3 - t2, t4 - t3]
    }

    static let phaseNames = ["locate + client", "snapshot()", "first event", "view + render"]

    static func attach(workspace: URL, attaches: Int, warmup: Int = 2) async throws -> [AttachResult] {
        let host = try await startHost(workspace)
        let baseline = await host.core.subscriberCount
        var remote: [[Duration]] = []
        var local: [[Duration]] = []
        // Interleaved so both cases see the same machine load.
        for i in 0..<(warmup + attaches) {
            let r = try await attachRemote(workspace: workspace)
            await drainSubscribers(host.core, to: baseline)
            let l = try await attachInProcess(core: host.core)
            await drainSubscribers(host.core, to: baseline)
            if i >= warmup { remote.append(r); local.append(l) }
        }
        await stop(host, subscribersBefore: baseline)
        func result(_ name: String, _ samples: [[Duration]]) -> AttachResult {
            AttachResult(name: name, total: Stats(name: name, samples: samples.map { $0[0] }),
                         phases: phaseNames.enumerated().map { index, phase in (phase, Stats(name: phase, samples: samples.map { $0[index + 1] })) })
        }
        return [result("in-process core (host.core)", local), result("attached: CoreLocator → RemoteCore over loopback HTTP", remote)]
    }

    // MARK: Report

    static func run(_ settings: FanoutSettings) throws {
        let report = try runBlocking { () async throws -> String in
            progress("creating the demo workspace")
            let workspace = try await makeWorkspace()
            defer { try? FileManager.default.removeItem(at: workspace) }
            let probe = try await startHost(workspace)
            var journalMode = "?"
            if let store = probe.core.store as? SQLiteStore, let mode = try? await store.journalMode() { journalMode = mode }
            let snapshotBytes = (try? APIDocuments.encoder().encode(await probe.core.snapshot()).count) ?? 0
            await probe.stop()
            let fsync = try fsyncFloor(in: workspace)

            let n = settings.clients, k = settings.events
            var results: [FanoutResult] = []
            for (kind, clients) in [(Follower.inProcess, n), (.inProcess, 1), (.remoteCore, 1), (.remoteCore, n), (.rawSSE, n)] {
                progress("\(k) events to \(clients) × \(kind.label)")
                results.append(try await fanout(workspace: workspace, kind: kind, clients: clients, events: k))
            }
            progress("\(n) RemoteCores on one HTTPClient")
            let shared = try await sharedClientStreams(workspace: workspace, clients: n)
            progress("\(settings.attaches) attaches")
            let attaches = try await attach(workspace: workspace, attaches: settings.attaches)
            return format(results: results, attaches: attaches, shared: shared, settings: settings,
                          journalMode: journalMode, snapshotBytes: snapshotBytes, fsync: fsync)
        }
        print(report)
    }

    static func format(results: [FanoutResult], attaches: [AttachResult], shared: Int, settings: FanoutSettings,
                       journalMode: String, snapshotBytes: Int, fsync: Stats) -> String {
        var out = ""
        func line(_ text: String = "") { out += text + "\n" }
        let n = settings.clients
        let inProcess = results.first { $0.name.hasPrefix("\(n) × in-process") }!
        let oneHTTP = results.first { $0.name == "1 × \(Follower.remoteCore.label)" }!
        func rate(_ v: Double) -> String { String(format: "%.0f", v) }
        func ratio(_ a: Double, _ b: Double) -> String {
            guard b > 0 else { return "—" }
            let r = a / b
            return r >= 10 ? String(format: "%.1f×", r) : String(format: "%.2f×", r)
        }

        line("## fanout — core event fan-out and dashboard attach over the local API\n")
        line("Demo workspace (12 cards), SQLite store in \(journalMode.uppercased()) mode on local disk; core, Hummingbird server and every client share this process and its \(ProcessInfo.processInfo.activeProcessorCount) cores. Each event is `perform(.moveCard(\(card) ↔ \(columns.joined(separator: "/"))), as: \(person))` on the in-process core, called back to back: every command is its own SQLite write transaction, so the publish rate — and with it every delivered/s figure — is bounded by the store and by the CPU the server and clients leave to it. GRDB opens WAL with `synchronous = NORMAL`: a commit appends to the WAL without fsync, and only checkpoints (about every 1,000 pages) fsync — compare perform p50 with a 256-byte append + fsync in the same folder (median \(formatMs(fsync.median)) ms, p95 \(formatMs(fsync.p95)) ms); checkpoints show up in p99/max. Latency = ContinuousClock instant just before `perform` → instant the client holds the event, so it includes that command's own transaction (see perform p50). Each case runs on a freshly started `CoreHost` on the same workspace.\n")
        line("### Event fan-out: \(settings.events) events to \(n) clients\n")
        line("| case | published/s | perform p50 ms | delivered | delivered/s | latency p50 ms | p99 ms | max ms | delivered/s vs \(n) in-process | p50 vs \(n) in-process | p99 vs \(n) in-process | p99 vs 1 HTTP |")
        line("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in results {
            let expected = r.published * r.clients
            let delivered = r.delivered == expected ? "\(r.delivered)" : "\(r.delivered) of \(expected)"
            line("| \(r.name) | \(rate(r.publishedPerSecond)) | \(formatMs(r.perform.median)) | \(delivered) | \(rate(r.deliveredPerSecond)) | \(formatMs(r.latency.median)) | \(formatMs(r.latency.percentile(0.99))) | \(formatMs(r.latency.max)) | \(ratio(r.deliveredPerSecond, inProcess.deliveredPerSecond)) | \(formatRatio(r.latency.median, over: inProcess.latency.median)) | \(formatRatio(r.latency.percentile(0.99), over: inProcess.latency.percentile(0.99))) | \(formatRatio(r.latency.percentile(0.99), over: oneHTTP.latency.percentile(0.99))) |")
        }
        let foreign = results.map(\.foreignEvents).reduce(0, +)
        if foreign != 0 { line("\n⚠ the core published \(foreign) events the benchmark did not (an on-call change?); latencies of those runs are misattributed.") }
        line("\nHTTP clients each have their own `HTTPClient` (as separate dashboard processes would). With one shared `HTTPClient` (e.g. `HTTPClient.shared`), \(shared) of \(n) RemoteCore event streams opened within 2 s: AsyncHTTPClient keeps at most 8 HTTP/1 connections per host by default and an SSE response holds its connection forever.\n")

        line("### Attach and first frame (200×60 MemoryBackend, \(settings.attaches) attaches each, interleaved; snapshot JSON \(snapshotBytes) bytes)\n")
        let base = attaches[0]
        line("| case | median ms | p95 ms | min ms | attaches | median vs in-process | " + phaseNames.map { "\($0) median ms" }.joined(separator: " | ") + " |")
        line("| --- | ---: | ---: | ---: | ---: | ---: |" + String(repeating: " ---: |", count: phaseNames.count))
        for a in attaches {
            line("| \(a.name) | \(formatMs(a.total.median)) | \(formatMs(a.total.p95)) | \(formatMs(a.total.min)) | \(a.total.samples.count) | \(formatRatio(a.total.median, over: base.total.median)) | " + a.phases.map { formatMs($0.1.median) }.joined(separator: " | ") + " |")
        }
        line("\nThe attached case starts from nothing but a workspace path: reads `.shipdeck/` (lock + token), makes a new `HTTPClient` (no warm connection), GETs `/v1/snapshot`, opens `/v1/events` (whose first event is a second full snapshot), then builds the model and draws. Process start-up is not included.")
        return out
    }
}
