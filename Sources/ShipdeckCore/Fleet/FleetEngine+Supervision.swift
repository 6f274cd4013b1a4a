import Foundation

extension FleetEngine {
    /// Once a second: notices crashed instances and restarts them (with backoff), starts the active
    /// groups' health checks that are due (they report back when done; see `FleetEngine+Health`), ends warm groups whose time is up, opens endpoints whose port was taken, collects the
    /// instances' output, samples CPU and memory, and reads the endpoints' traffic. Publishes a row
    /// only when something visible changed.
    func supervise() async {
        var tick = 0
        while !Task.isCancelled && !stopping {
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
            tick += 1
            for key in sortedKeys {
                await superviseSlot(key, sampleUsage: tick % 5 == 0)
            }
            await expireDowntimes(at: clock.now)
            await tailLogs(only: nil)
        }
    }

    private func superviseSlot(_ key: Key, sampleUsage: Bool) async {
        guard let service = config.service(named: key.service), let ids = slots[key]?.instances.keys.sorted() else { return }
        let now = clock.now
        for id in ids {
            // Only plain values cross the suspension points below (read by a synchronous helper, so no
            // copy of the slot's state lives in this frame); the slot is read afresh after each.
            guard let facts = facts(key, id), !facts.retired, facts.active || !facts.deploying,
                  let runtime = runtimes[facts.runtime] else { continue }
            let (active, restarts, state, restartAt, handle) = (facts.active, facts.restarts, facts.state, facts.restartAt, facts.handle)
            if state == .crashed {
                if let at = restartAt, at <= now, active { await restartCrashed(key, id: id, service: service, runtime: runtime) }
                continue
            }
            if case .exited(let how) = await runtime.liveness(handle) {
                guard slots[key]?.instances[id] != nil else { continue }
                let last = await lastLogLine(id)
                let backoff = config.fleet.restartBackoff * min(30, pow(2, Double(min(restarts, 5))))
                if active { await recordCrash(key, id: id, output: "crashed: \(how)" + (last.map { " — \($0)" } ?? "")) }
                slots[key]?.instances[id]?.record.state = .crashed
                slots[key]?.instances[id]?.record.health = .critical
                slots[key]?.instances[id]?.record.detail = how + (last.map { " — \($0)" } ?? "")
                slots[key]?.instances[id]?.passes = 0
                slots[key]?.instances[id]?.restartAt = now.addingTimeInterval(backoff)
                applyRoute(key)
                if active { try? await recorder?.notice("\(id) crashed (\(how)); restarting in \(Int(backoff)) s") }
                if !active { await teardown(key, ids: [id], reason: "crashed while not serving") }
                continue
            }
            if active {
                await checkFreshness(key, id: id, service: service, now: now)
                launchCheckIfDue(key, id: id, service: service, now: now)
            }
            if sampleUsage, let usage = await runtime.usage(handle) { sample(key, id: id, usage: usage, now: now) }
        }
        if let until = slots[key]?.warmUntil, until <= now, let warm = slots[key]?.warmGroup {
            let ids = (slots[key]?.instances.values ?? [:].values).filter { $0.record.group == warm }.map(\.record.id)
            slots[key]?.warmGroup = nil
            slots[key]?.warmUntil = nil
            await drainAndStop(key, ids: ids)
        }
        if let retry = slots[key]?.endpointRetry, retry.at <= now { await openEndpoint(key) }
        await refreshDowntimes(key, at: now)
        readTraffic(key, now: now)
        await publish(key)
    }

    /// What supervision needs to know of an instance, as plain values.
    struct InstanceFacts {
        var active: Bool
        var retired: Bool
        var deploying: Bool
        var restarts: Int
        var state: InstanceRecord.State
        var restartAt: Date?
        var handle: InstanceHandle
        var runtime: RuntimeKind
        var port: Int
        var nextCheck: Date?
        var logFile: String
        var logOffset: UInt64
        var nextLogLine: Int
    }

    func facts(_ key: Key, _ id: String) -> InstanceFacts? {
        guard let live = slots[key]?.instances[id], let runtime = RuntimeKind(rawValue: live.stored.runtime) else { return nil }
        return InstanceFacts(active: live.record.active, retired: live.retired, deploying: live.record.group == slots[key]?.row.deploy?.id,
                             restarts: live.record.restarts, state: live.record.state, restartAt: live.restartAt, handle: live.handle,
                             runtime: runtime, port: live.record.port, nextCheck: live.nextCheck, logFile: live.stored.logFile,
                             logOffset: live.stored.logOffset, nextLogLine: live.nextLogLine)
    }

    private func restartCrashed(_ key: Key, id: String, service: ServiceConfig, runtime: any InstanceRuntime) async {
        guard let live = slots[key]?.instances[id], let image = try? await store.image(tag: live.record.image) else { return }
        do {
            try await startInstance(key, id: id, service: service, image: image, group: live.record.group, runtime: runtime,
                                    active: true, restarts: live.record.restarts + 1)
            // The replacement goes on with the crashed one's check: its first passes are a HARD recovery.
            slots[key]?.instances[id]?.check = live.check
        } catch {
            slots[key]?.instances[id]?.restartAt = clock.now.addingTimeInterval(30)
            slots[key]?.instances[id]?.record.detail = "restart failed: \(error)"
        }
    }

    private func sample(_ key: Key, id: String, usage: ResourceUsage, now: Date) {
        guard let live = slots[key]?.instances[id] else { return }
        if let percent = usage.cpuPercent {
            slots[key]?.instances[id]?.record.cpuPercent = max(0, percent).rounded()
        } else if let last = live.lastUsage, now > last.at {
            let percent = max(0, (usage.cpuSeconds - last.cpu) / now.timeIntervalSince(last.at) * 100)
            // Whole percents: an idle instance's flicker (0.1 %, 0.2 %) is not a change worth an event.
            slots[key]?.instances[id]?.record.cpuPercent = percent.rounded()
        }
        slots[key]?.instances[id]?.lastUsage = (now, usage.cpuSeconds)
        slots[key]?.instances[id]?.record.memoryBytes = usage.memoryBytes / (1 << 20) * (1 << 20)
    }

    private func readTraffic(_ key: Key, now: Date) {
        guard let proxy = slots[key]?.proxy else { return }
        let stats = proxy.stats()
        defer { slots[key]?.lastStats = (now, stats.requests, stats.errors) }
        guard let last = slots[key]?.lastStats, now > last.at else { return }
        let seconds = now.timeIntervalSince(last.at)
        let requests = Double(stats.requests &- last.requests)
        let errors = Double(stats.errors &- last.errors)
        var traffic = TrafficStats(requestsPerSecond: (requests / seconds * 10).rounded() / 10,
                                   errorRate: requests > 0 ? (errors / requests * 1000).rounded() / 1000 : 0,
                                   p50: (stats.p50 * 10_000).rounded() / 10_000, p99: (stats.p99 * 10_000).rounded() / 10_000,
                                   inFlight: stats.inFlight)
        if requests == 0 { traffic.p50 = slots[key]?.row.traffic.p50 ?? 0; traffic.p99 = slots[key]?.row.traffic.p99 ?? 0 }
        slots[key]?.row.traffic = traffic
    }

    // MARK: - Logs

    /// Moves new output of the instances' log files into the store (one instance, or all).
    func tailLogs(only wanted: String?) async {
        for (key, id) in instanceKeys where wanted == nil || wanted == id {
            guard let facts = facts(key, id) else { continue }
            let (file, offset, firstLine) = (facts.logFile, facts.logOffset, facts.nextLogLine)
            guard let (lines, next) = InstanceLogReader.read(path: file, from: offset, firstLine: firstLine, at: clock.now) else { continue }
            if !lines.isEmpty {
                try? await store.appendInstanceLog(instanceID: id, lines: lines, keep: config.fleet.logLines)
            }
            guard slots[key]?.instances[id] != nil else { continue }
            slots[key]?.instances[id]?.stored.logOffset = next
            slots[key]?.instances[id]?.nextLogLine = firstLine + lines.count
            await persist(key, id)
        }
    }

    /// The newest line an instance wrote (for a crash's reason).
    func lastLogLine(_ id: String) async -> String? {
        await tailLogs(only: id)
        let last = (try? await store.lastInstanceLogLine(instanceID: id)) ?? 0
        guard last > 0, let line = try? await store.instanceLog(instanceID: id, after: last - 1, limit: 1).first else { return nil }
        return line.text.count > 160 ? String(line.text.prefix(157)) + "…" : line.text
    }
}

/// Reads the lines an instance appended to its log file since `offset`.
enum InstanceLogReader {
    /// At most this much is read per call.
    static let chunk = 1 << 20
    /// A file this large, once read to its end, is emptied (the instance appends, so it continues at 0).
    static let rotateAt: UInt64 = 8 << 20
    static let maxLine = 16 * 1024

    /// The complete lines after `offset` and the offset after them; nil when there is nothing new.
    static func read(path: String, from offset: UInt64, firstLine: Int, at date: Date) -> ([LogLine], UInt64)? {
        guard let handle = FileHandle(forUpdatingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return nil }
        var start = offset
        if size < start { start = 0 }  // emptied by someone else
        guard size > start else { return nil }
        try? handle.seek(toOffset: start)
        guard let data = try? handle.read(upToCount: chunk), !data.isEmpty else { return nil }
        var lines: [LogLine] = []
        var consumed = 0
        var lineStart = data.startIndex
        for index in data.indices where data[index] == 0x0A {
            append(data[lineStart..<index])
            lineStart = index + 1
            consumed = lineStart - data.startIndex
        }
        if data.count - consumed > maxLine {  // a line too long to wait for: cut it
            append(data[lineStart...])
            consumed = data.count
        }
        func append(_ bytes: Data) {
            var text = String(decoding: bytes, as: UTF8.self)
            if text.hasSuffix("\r") { text.removeLast() }
            if text.count > maxLine { text = String(text.prefix(maxLine)) + " [line truncated]" }
            lines.append(LogLine(line: firstLine + lines.count, at: date, stream: .stdout, text: text))
        }
        var next = start + UInt64(consumed)
        if next >= rotateAt && next == size {
            try? handle.truncate(atOffset: 0)
            next = 0
        }
        return (lines, next)
    }
}
