import Foundation

extension FleetEngine {
    /// Runs `command` once with the service's active image and the environment's configuration (its
    /// variables, a `PORT`), as a 12-factor admin process: a data migration, a console. Its output is
    /// stored under `id` as it arrives (readable like an instance's log while it runs); the run — who,
    /// what, the exit status — is recorded.
    /// - Throws: `ShipdeckError` when nothing is deployed there or the runtime cannot start it.
    public func runOneOff(id: String, service name: String, environment: String, command: String, by person: String) async throws -> OneOffRun {
        let key = try key(name, environment)
        let service = try service(name)
        guard id.hasPrefix("run-"), id.count <= 80, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw ShipdeckError(.invalid, "a one-off run's id must start with 'run-' and hold only letters, digits and '-'", field: "id")
        }
        guard let tag = slots[key]?.route?.image, let image = try await store.image(tag: tag) else {
            throw ShipdeckError(.invalid, "\(name) has nothing deployed in \(environment) to run a command with", field: "\(name)/\(environment)",
                                hint: "deploy an image first: `shipdeck deploy \(name) IMAGE --env \(environment)`")
        }
        guard config.runtime(of: service) == .process, let runtime = runtimes[.process] else {
            throw ShipdeckError(.invalid, "one-off runs need the process runtime; \(name) runs in containers", field: "services.\(name).runtime",
                                hint: "run it with `\(config.fleet.containerCLI) run --rm` and the image \(image.reference)")
        }
        var run = OneOffRun(id: id, service: name, environment: environment, image: tag, command: command, by: person, startedAt: clock.now)
        try await store.saveRun(run)
        var variables = service.env[environment] ?? [:]
        variables["PORT"] = String(try PortAllocator.freePort())
        variables["SHIPDECK_SERVICE"] = name
        variables["SHIPDECK_ENVIRONMENT"] = environment
        variables["SHIPDECK_IMAGE"] = tag
        variables["SHIPDECK_COMMIT"] = image.commit
        variables["SHIPDECK_RUN"] = id
        let logFile = ShipdeckPaths.stateDirectory(in: config.directory).appendingPathComponent("runs/\(id).log")
        let handle = try await runtime.start(InstanceLaunch(id: id, service: name, environment: environment, image: image, port: 0,
                                                            command: command, variables: variables, logFile: logFile))
        var cursor = (offset: UInt64(0), line: 1)
        var outcome: String
        while true {
            if Task.isCancelled {
                await runtime.stop(handle, grace: .seconds(config.fleet.stopGrace))
                outcome = "canceled"
                break
            }
            if case .exited(let how) = await runtime.liveness(handle) {
                outcome = how
                break
            }
            cursor = await collectOutput(id, file: logFile, from: cursor)
            try? await Task.sleep(for: .milliseconds(100))
        }
        _ = await collectOutput(id, file: logFile, from: cursor)
        run.finishedAt = clock.now
        run.outcome = outcome
        run.exitStatus = Self.exitStatus(outcome)
        try? await store.saveRun(run)
        await refreshHistory(key)
        await publish(key)
        return run
    }

    /// Stores the run's new output lines; returns where the next read starts.
    private func collectOutput(_ id: String, file: URL, from cursor: (offset: UInt64, line: Int)) async -> (offset: UInt64, line: Int) {
        guard let (lines, next) = InstanceLogReader.read(path: file.path, from: cursor.offset, firstLine: cursor.line, at: clock.now) else { return cursor }
        try? await store.appendInstanceLog(instanceID: id, lines: lines, keep: config.fleet.logLines)
        return (next, cursor.line + lines.count)
    }

    /// 0 for "exited with status 0", 3 for "… status 3", 128+N for "killed by signal N", else 1.
    public static func exitStatus(_ outcome: String) -> Int32 {
        if let range = outcome.range(of: "exited with status "), let code = Int32(outcome[range.upperBound...]) { return code }
        if let range = outcome.range(of: "killed by signal "), let signal = Int32(outcome[range.upperBound...]) { return 128 + signal }
        return 1
    }
}
