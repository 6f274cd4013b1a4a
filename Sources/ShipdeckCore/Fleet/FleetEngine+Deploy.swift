import Foundation

extension FleetEngine {
    /// Deploys `image` to `environment` as a new group: start N instances, wait until each passes its
    /// health check `health.rise` times in a row, switch the endpoint to them at once, then keep the old
    /// group warm (`fleet.keep_warm`) or drain and stop it. A deploy that fails never switches: its
    /// group is stopped and the old one keeps serving. Deploys of one service and environment queue.
    /// - Parameters:
    ///   - log: receives progress lines (a pipeline's deploy step shows them in its log).
    /// - Returns: the finished deploy record (succeeded or failed, with its reason).
    /// - Throws: `ShipdeckError` when the request itself is invalid (unknown service, image, environment).
    @discardableResult
    public func deploy(service name: String, environment: String, image tag: String, by person: String, source: String,
                       build: String? = nil, log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> DeployRecord {
        let key = try key(name, environment)
        let service = try service(name)
        let desired = service.instances[environment] ?? 0
        guard desired > 0 else {
            throw ShipdeckError(.invalid, "\(name) runs no instances in \(environment)", field: "services.\(name).instances.\(environment)",
                                hint: "set services.\(name).instances.\(environment) in shipdeck.yml")
        }
        guard let image = try await store.image(tag: tag) else {
            let known = (try await store.images(service: name, limit: 20)).map(\.tag)
            throw ShipdeckError(.notFound, "there is no image \(tag)", field: "image",
                                hint: known.isEmpty ? "build \(name) first: its image is made by the pipeline's deploy step"
                                    : "known images of \(name): " + known.joined(separator: ", "))
        }
        guard image.service == name else {
            throw ShipdeckError(.invalid, "image \(tag) belongs to \(image.service), not \(name)", field: "image")
        }
        let runtime = try runtime(for: service)
        var record = try await store.saveDeploy(DeployRecord(service: name, environment: environment, image: tag, by: person, source: source,
                                                             build: build, startedAt: clock.now, outcome: .queued, progress: "queued"))
        slots[key]?.row.deploy = record
        await publish(key)
        await acquire(key)
        defer { release(key) }
        record.outcome = .running
        record.startedAt = clock.now
        let result = await runGroupDeploy(key, service: service, image: image, runtime: runtime, count: desired, record: &record, log: log)
        record.finishedAt = clock.now
        record.progress = nil
        switch result {
        case .success(let summary):
            record.outcome = .succeeded
            record.reason = summary
        case .failure(let reason):
            record.outcome = Task.isCancelled ? .canceled : .failed
            record.reason = reason
            log("deploy failed: \(reason)")
            try? await recorder?.notice("deploy of \(tag) to \(environment) failed: \(reason)")
        }
        record = (try? await store.saveDeploy(record)) ?? record
        slots[key]?.row.deploy = nil
        await refreshHistory(key)
        await publish(key)
        await recorder?.deployFinished(record)
        return record
    }

    enum Outcome { case success(String), failure(String) }

    private func runGroupDeploy(_ key: Key, service: ServiceConfig, image: ImageRecord, runtime: any InstanceRuntime, count: Int,
                                record: inout DeployRecord, log: @escaping @Sendable (String) -> Void) async -> Outcome {
        let group = record.id
        func progress(_ text: String) async {
            log(text)
            record.progress = text
            slots[key]?.row.deploy = record
            await publish(key)
        }
        await progress("starting \(count) instance\(count == 1 ? "" : "s") of \(image.tag)")
        var ids: [String] = []
        for index in 1...count {
            let id = "\(key.service)-\(key.environment)-\(group)-\(index)"
            do {
                try await startInstance(key, id: id, service: service, image: image, group: group, runtime: runtime, active: false)
                ids.append(id)
                if let port = slots[key]?.instances[id]?.record.port { log("\(id) started on port \(port)") }
            } catch {
                await teardown(key, ids: ids, reason: "deploy failed")
                return .failure("\(id) did not start: \(error)")
            }
        }
        switch await healthGate(key, ids: ids, service: service, runtime: runtime, progress: { healthy in
            let rise = service.health.rise
            let text = "\(healthy)/\(ids.count) healthy (each needs \(rise) passing check\(rise == 1 ? "" : "s") in a row)"
            if record.progress != text { await progress(text) }
        }) {
        case .passed:
            break
        case .canceled:
            await teardown(key, ids: ids, reason: "deploy canceled")
            return .failure("canceled before the switch; traffic stayed on the previous group")
        case .crashed(let id, let how, let last):
            await teardown(key, ids: ids, reason: "deploy failed")
            return .failure("\(id) crashed before it was healthy: \(how)" + (last.map { " (last output: \($0))" } ?? ""))
        case .timedOut(let detail):
            await teardown(key, ids: ids, reason: "deploy failed its health gate")
            return .failure("health gate not passed within \(Int(config.fleet.deployTimeout)) s (\(detail)); traffic stayed on the previous group")
        }
        // Switch: the new group becomes the route in one step.
        let before = ContinuousClock.now
        let old = slots[key]?.route?.group
        for id in ids { slots[key]?.instances[id]?.record.active = true }
        for (id, live) in slots[key]?.instances ?? [:] where live.record.group != group && live.record.active {
            slots[key]?.instances[id]?.record.active = false
            slots[key]?.instances[id]?.record.state = .draining
        }
        applyRoute(key)
        let switched = ContinuousClock.now - before
        let milliseconds = Double(switched.components.attoseconds) / 1e15 + Double(switched.components.seconds) * 1000
        record.switchMilliseconds = milliseconds
        let route = FleetRoute(service: key.service, environment: key.environment, group: group, image: image.tag)
        slots[key]?.route = route
        try? await store.saveRoute(route)
        for id in ids { await persist(key, id) }
        log(String(format: "traffic switched to %@ in %.2f ms", image.tag, milliseconds))
        await publish(key)
        await retire(key, previous: old)
        return .success(String(format: "%d instance%@ healthy; switched in %.2f ms", ids.count, ids.count == 1 ? "" : "s", milliseconds))
    }

    enum GateOutcome {
        case passed, canceled
        case crashed(id: String, how: String, lastOutput: String?)
        /// Which instances did not pass, with their last check's answer.
        case timedOut(String)
    }

    /// The health gate: checks each new instance every `fleet.gate_interval` until every one has
    /// passed `health.rise` checks in a row (it is then `healthy`), one crashes, the task is
    /// cancelled, or `fleet.deploy_timeout` runs out. Callers stop the instances when it fails.
    /// - Parameter progress: called with the number of instances through the gate after each round.
    func healthGate(_ key: Key, ids: [String], service: ServiceConfig, runtime: any InstanceRuntime,
                    progress: (Int) async -> Void) async -> GateOutcome {
        let deadline = clock.now.addingTimeInterval(config.fleet.deployTimeout)
        let rise = service.health.rise
        while true {
            if Task.isCancelled { return .canceled }
            for id in ids {
                guard let live = slots[key]?.instances[id] else { continue }
                let (handle, passes) = (live.handle, live.passes)
                if case .exited(let how) = await runtime.liveness(handle) {
                    return .crashed(id: id, how: how, lastOutput: await lastLogLine(id))
                }
                guard passes < rise else { continue }
                // The gate judges with the service's own check (a passive one waits for the service's results).
                if service.health.kind != .passive { await checkNow(key, id: id, service: service) }
            }
            let healthy = ids.filter { (slots[key]?.instances[$0]?.passes ?? 0) >= rise }.count
            if healthy == ids.count { return .passed }
            if clock.now >= deadline {
                return .timedOut(ids.compactMap { slots[key]?.instances[$0] }.filter { $0.passes < rise }
                    .map { "\($0.record.id): \($0.record.detail ?? "no answer")" }.joined(separator: "; "))
            }
            await progress(healthy)
            try? await Task.sleep(for: .milliseconds(Int(config.fleet.gateInterval * 1000)))
        }
    }

    /// After a switch: the previous group stays warm for `keep_warm` seconds (older warm groups stop
    /// now); with no warm time it drains and stops at once.
    private func retire(_ key: Key, previous: Int64?) async {
        let older = (slots[key]?.instances.values ?? [:].values).filter { !$0.record.active && $0.record.group != previous }.map(\.record.id)
        if !older.isEmpty { await drainAndStop(key, ids: older) }
        guard let previous else { return }
        let ids = (slots[key]?.instances.values ?? [:].values).filter { $0.record.group == previous }.map(\.record.id)
        if config.fleet.keepWarm > 0 {
            slots[key]?.warmGroup = previous
            slots[key]?.warmUntil = clock.now.addingTimeInterval(config.fleet.keepWarm)
            for id in ids { slots[key]?.instances[id]?.record.detail = "warm for a quick rollback" }
            await publish(key)
        } else {
            await drainAndStop(key, ids: ids)
        }
    }

    /// Waits until the instances have no request in flight (at most `fleet.drain` seconds), then stops them.
    func drainAndStop(_ key: Key, ids: [String]) async {
        guard !ids.isEmpty else { return }
        for id in ids {
            slots[key]?.instances[id]?.record.state = .draining
            slots[key]?.instances[id]?.record.active = false
            slots[key]?.instances[id]?.retired = true
        }
        applyRoute(key)
        await publish(key)
        let deadline = clock.now.addingTimeInterval(config.fleet.drain)
        while clock.now < deadline, let proxy = slots[key]?.proxy, ids.contains(where: { proxy.inFlight(instanceID: $0) > 0 }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        await teardown(key, ids: ids, reason: "stopped after draining")
    }

    /// Stops instances and forgets them.
    func teardown(_ key: Key, ids: [String], reason: String) async {
        for id in ids { slots[key]?.instances[id]?.retired = true }
        applyRoute(key)
        await withTaskGroup(of: Void.self) { group in
            for id in ids {
                guard let live = slots[key]?.instances[id],
                      let runtime = RuntimeKind(rawValue: live.stored.runtime).flatMap({ runtimes[$0] }) else { continue }
                let grace = Duration.seconds(config.fleet.stopGrace)
                group.addTask { await runtime.stop(live.handle, grace: grace) }
            }
        }
        await tailLogs(only: nil)
        for id in ids {
            slots[key]?.instances[id] = nil
            try? await store.removeInstance(id: id)
        }
        if let warm = slots[key]?.warmGroup, !(slots[key]?.instances.values.contains { $0.record.group == warm } ?? false) {
            slots[key]?.warmGroup = nil
            slots[key]?.warmUntil = nil
        }
        await publish(key)
    }

    /// Starts one instance (not yet routed unless `active`).
    func startInstance(_ key: Key, id: String, service: ServiceConfig, image: ImageRecord, group: Int64, runtime: any InstanceRuntime,
                       active: Bool, restarts: Int = 0) async throws {
        let port = try PortAllocator.freePort()
        let logFile = ShipdeckPaths.stateDirectory(in: config.directory).appendingPathComponent("instances/\(id).log")
        var variables = service.env[key.environment] ?? [:]
        variables["PORT"] = String(port)
        variables["SHIPDECK_SERVICE"] = key.service
        variables["SHIPDECK_ENVIRONMENT"] = key.environment
        variables["SHIPDECK_INSTANCE"] = id
        variables["SHIPDECK_IMAGE"] = image.tag
        variables["SHIPDECK_COMMIT"] = image.commit
        let launch = InstanceLaunch(id: id, service: key.service, environment: key.environment, image: image, port: port,
                                    command: service.run, variables: variables, logFile: logFile)
        let offset = (try? FileManager.default.attributesOfItem(atPath: logFile.path)[.size] as? UInt64) ?? 0
        let handle = try await runtime.start(launch)
        let record = InstanceRecord(id: id, state: .starting, health: .pending, port: port, startedAt: clock.now, image: image.tag,
                                    group: group, active: active, restarts: restarts, handle: handle.display)
        let stored = StoredInstance(record: record, service: key.service, environment: key.environment, runtime: runtime.kind.rawValue,
                                    processGroup: handle.processGroup, processStart: handle.processStart, container: handle.container,
                                    logFile: logFile.path, logOffset: offset)
        var live = Live(stored: stored, handle: handle)
        live.nextLogLine = ((try? await store.lastInstanceLogLine(instanceID: id)) ?? 0) + 1
        if stopping {
            // Shipdeck began to shut down while this instance started: `shutdown` has already taken
            // the list of instances to stop, so this one would outlive it. (No suspension between
            // this check and the insertion below.)
            await runtime.stop(handle, grace: .seconds(config.fleet.stopGrace))
            throw ShipdeckError(.refused, "\(id) was not started: Shipdeck is shutting down")
        }
        slots[key]?.instances[id] = live
        try? await store.saveInstance(stored)
        await publish(key)
    }

    func persist(_ key: Key, _ id: String) async {
        guard let live = slots[key]?.instances[id] else { return }
        var stored = live.stored
        stored.check = live.check.lastCheck == nil ? nil : live.check
        try? await store.saveInstance(stored)
    }

    /// Starts the active group again from its image (after a restart that found none of it running).
    func startGroupAgain(_ key: Key, image: ImageRecord, group: Int64) async {
        guard let service = config.service(named: key.service), let runtime = try? runtime(for: service) else { return }
        let count = service.instances[key.environment] ?? 0
        guard count > 0 else { return }
        for index in 1...count {
            let id = "\(key.service)-\(key.environment)-\(group)-\(index)"
            try? await store.removeInstance(id: id)
            try? await startInstance(key, id: id, service: service, image: image, group: group, runtime: runtime, active: true)
            slots[key]?.instances[id]?.record.detail = "started again after a restart of Shipdeck"
        }
    }

    // MARK: - One at a time per service and environment

    func acquire(_ key: Key) async {
        if slots[key]?.busy == false {
            slots[key]?.busy = true
            return
        }
        await withCheckedContinuation { slots[key]?.waiting.append($0) }
    }

    func release(_ key: Key) {
        guard var slot = slots[key] else { return }
        if slot.waiting.isEmpty { slot.busy = false } else { slot.waiting.removeFirst().resume() }
        slots[key] = slot
    }
}
