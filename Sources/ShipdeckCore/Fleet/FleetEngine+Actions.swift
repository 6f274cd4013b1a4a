import Foundation

extension FleetEngine {
    /// Deploys the image of `service#number` (made and recorded from the build on first use); the
    /// pipeline's `deploy:` step calls this.
    public func deployBuild(_ build: BuildRecord, environment: String, by person: String,
                            log: @escaping @Sendable (String) -> Void) async throws -> DeployRecord {
        let service = try service(build.service)
        let runtime = try runtime(for: service)
        let image = try await images.image(of: build, runtime: runtime, log: log)
        return try await deploy(service: build.service, environment: environment, image: image.tag, by: person, source: "pipeline",
                                build: build.name, log: log)
    }

    /// Redeploys the previous good image. When that image's group is still warm, the rollback is a
    /// proxy switch after one passing health check of each of its instances; otherwise it goes
    /// through the full gate like any deploy.
    @discardableResult
    public func rollback(service name: String, environment: String, by person: String,
                         log: @escaping @Sendable (String) -> Void = { _ in }) async throws -> DeployRecord {
        let key = try key(name, environment)
        let current = slots[key]?.route?.image
        let history = try await store.deploys(service: name, environment: environment, limit: 200)
        guard let target = history.first(where: { $0.outcome == .succeeded && $0.image != current }) else {
            throw ShipdeckError(.notFound, "\(name) has no earlier good image in \(environment) to roll back to", field: "service",
                                hint: current == nil ? "deploy an image first" : "deploy a specific image with `shipdeck deploy \(name) IMAGE --env \(environment)`")
        }
        if let warm = slots[key]?.warmGroup, let until = slots[key]?.warmUntil, until > clock.now,
           let instances = slots[key]?.instances.values.filter({ $0.record.group == warm }), !instances.isEmpty,
           instances.allSatisfy({ $0.record.image == target.image }) {
            await acquire(key)
            defer { release(key) }
            if let quick = await switchBack(key, to: warm, image: target.image, by: person, log: log) { return quick }
        }
        log("rolling back \(name) in \(environment) to \(target.image)")
        return try await deploy(service: name, environment: environment, image: target.image, by: person, source: "rollback", log: log)
    }

    /// Switches the endpoint back to the warm group when every instance of it answers its health check.
    private func switchBack(_ key: Key, to group: Int64, image: String, by person: String, log: @Sendable (String) -> Void) async -> DeployRecord? {
        guard let service = config.service(named: key.service) else { return nil }
        let ids = (slots[key]?.instances.values ?? [:].values).filter { $0.record.group == group }.map(\.record.id)
        for id in ids {
            guard let spec = checkSpec(key, id: id, service: service) else { return nil }
            // A passive check has nothing to run: its last result decides.
            let result = await run(spec, at: clock.now)
            let status = result?.status ?? slots[key]?.instances[id]?.check.status ?? .unknown
            guard status == .ok else {
                log("the warm group is not healthy (\(id): \(result?.output ?? status.label)); deploying the image again")
                return nil
            }
        }
        let started = clock.now
        let before = ContinuousClock.now
        let previous = slots[key]?.route?.group
        for (id, live) in slots[key]?.instances ?? [:] {
            let mine = live.record.group == group
            slots[key]?.instances[id]?.record.active = mine
            slots[key]?.instances[id]?.record.state = mine ? .healthy : .draining
            slots[key]?.instances[id]?.record.detail = mine ? "back in service after a rollback" : nil
        }
        applyRoute(key)
        let elapsed = ContinuousClock.now - before
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        let route = FleetRoute(service: key.service, environment: key.environment, group: group, image: image)
        slots[key]?.route = route
        try? await store.saveRoute(route)
        for id in ids { await persist(key, id) }
        var record = DeployRecord(service: key.service, environment: key.environment, image: image, by: person, source: "rollback",
                                  startedAt: started, finishedAt: clock.now, outcome: .succeeded,
                                  reason: String(format: "switched back to the warm group in %.2f ms", milliseconds), switchMilliseconds: milliseconds)
        record = (try? await store.saveDeploy(record)) ?? record
        log(record.reason ?? "")
        slots[key]?.warmGroup = nil
        slots[key]?.warmUntil = nil
        if let previous {
            let old = (slots[key]?.instances.values ?? [:].values).filter { $0.record.group == previous }.map(\.record.id)
            await drainAndStop(key, ids: old)
        }
        await refreshHistory(key)
        await publish(key)
        return record
    }

    /// Restarts one instance without dropping a request: a replacement starts, passes its health
    /// check, joins the endpoint, and only then is the old one drained and stopped.
    public func restart(instance id: String, by person: String) async throws {
        let (key, live) = try find(id)
        let service = try service(key.service)
        guard let image = try await store.image(tag: live.record.image) else {
            throw ShipdeckError(.notFound, "the image \(live.record.image) of \(id) is no longer recorded")
        }
        let runtime = try runtime(for: service)
        await acquire(key)
        defer { release(key) }
        let replacement = "\(id.split(separator: "~").first ?? Substring(id))~\(live.record.restarts + 1)"
        try await startInstance(key, id: replacement, service: service, image: image, group: live.record.group, runtime: runtime,
                                active: live.record.active, restarts: live.record.restarts + 1)
        guard case .passed = await healthGate(key, ids: [replacement], service: service, runtime: runtime, progress: { _ in }) else {
            await teardown(key, ids: [replacement], reason: "restart failed")
            throw ShipdeckError(.io, "the replacement of \(id) did not become healthy; \(id) keeps serving",
                                hint: "look at its log with Enter in the Fleet pane")
        }
        slots[key]?.instances[replacement]?.record.state = .healthy
        slots[key]?.instances[replacement]?.record.health = .ok
        slots[key]?.instances[replacement]?.record.detail = "restarted by \(person)"
        applyRoute(key)
        await persist(key, replacement)
        await drainAndStop(key, ids: [id])
    }

    /// Stops one instance for good (it leaves the endpoint first and drains).
    public func stop(instance id: String, by person: String) async throws {
        let (key, _) = try find(id)
        await drainAndStop(key, ids: [id])
        try? await recorder?.notice("\(person) stopped \(id)")
    }

    func find(_ id: String) throws -> (Key, Live) {
        for (key, slot) in slots {
            if let live = slot.instances[id] { return (key, live) }
        }
        let ids = slots.values.flatMap { $0.instances.keys }.sorted()
        throw ShipdeckError(.notFound, "there is no running instance '\(id)'", field: "instance", hint: Suggestion.hint(for: id, in: ids))
    }
}

extension FleetEngine: BuildDeployer {}
