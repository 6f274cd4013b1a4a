import Foundation

/// Where alerts come from: HARD health changes, deploys and main-branch builds become incident
/// events; incidents are stored and published in event order like every other change.
extension WorkspaceCore {
    /// Logs a HARD or flapping change of a check and delivers it; a HARD problem that may alert
    /// opens (or joins) the instance's incident, a HARD recovery resolves it.
    public func recordHealth(_ event: HealthEvent) async {
        do {
            await lock()
            defer { unlock() }
            try? await publish(.healthChanged(event: event), at: clock.now)
        }
        guard event.kind == .hard else { return }
        let key = "health/\(event.instance)"
        if event.status == .ok {
            _ = try? await alerts.ingest(AlertEvent(action: .resolve, dedupKey: key, integration: "health", by: "health"))
        } else if event.alerts {
            let severity: Incident.Severity = switch event.status {
            case .warning: .warning
            case .unknown: .error
            default: .critical
            }
            let protected = config.environment(named: event.environment)?.protected ?? false
            _ = try? await alerts.ingest(AlertEvent(
                action: .trigger, dedupKey: key, summary: "\(event.instance) \(event.status.label): \(event.output)", source: event.instance,
                severity: severity, component: event.service, group: event.environment, eventClass: "health", integration: "health",
                service: event.service, environment: event.environment,
                // Only a protected environment's critical problems wake anyone at night.
                urgency: severity == .critical && protected ? .high : .low, by: "health"))
        }
    }

    /// A failed deploy opens its service/environment's deploy incident; the next good one resolves it.
    public func deployFinished(_ deploy: DeployRecord) async {
        let key = "deploy/\(deploy.service)/\(deploy.environment)"
        switch deploy.outcome {
        case .failed:
            _ = try? await alerts.ingest(AlertEvent(
                action: .trigger, dedupKey: key, summary: "deploy of \(deploy.image) to \(deploy.environment) failed: \(deploy.reason ?? "")",
                source: "deploy #\(deploy.id)", severity: .error, component: deploy.service, group: deploy.environment, eventClass: "deploy",
                integration: "deploys", service: deploy.service, environment: deploy.environment, by: "deploys"))
        case .succeeded:
            _ = try? await alerts.ingest(AlertEvent(action: .resolve, dedupKey: key, integration: "deploys", by: "deploys"))
        default:
            break
        }
    }
}

extension WorkspaceCore: AlertRecorder {
    /// Stores an incident and its event in one transaction, then delivers the event.
    public func recordIncident(_ incident: Incident) async throws -> Incident {
        let saved: Logged<Incident>
        do {
            await lock()
            defer { unlock() }
            saved = try await store.saveIncident(incident, log: { _, json in Self.incidentLogEntry(json: json) })
            deliver(.incidentUpdated(incident: saved.value), sequence: saved.sequence, at: clock.now)
        }
        return saved.value
    }

    /// A build of a service's main branch that failed opens the service's build incident; the next
    /// one that passes resolves it.
    func raiseAlert(for build: BuildRecord) async {
        guard build.branch == "main" || build.branch == "master", build.state.isFinished, !alertedBuilds.contains(build.id) else { return }
        alertedBuilds.insert(build.id)
        let key = "build/\(build.service)/\(build.branch)"
        if build.state == .failed {
            _ = try? await alerts.ingest(AlertEvent(
                action: .trigger, dedupKey: key, summary: "\(build.service) build #\(build.number) failed on \(build.branch): \(build.message)",
                source: "build #\(build.number)", severity: .error, component: build.service, eventClass: "build", integration: "builds",
                service: build.service, urgency: .low, by: "builds"))
        } else if build.state == .passed {
            _ = try? await alerts.ingest(AlertEvent(action: .resolve, dedupKey: key, integration: "builds", by: "builds"))
        }
    }
}
