import Foundation
import Prometheus
import ShipdeckCore
import Synchronization

/// The core's own Prometheus metrics (swift-prometheus), emitted by `GET /metrics`. Later engines
/// add theirs to the same registry.
public final class APIMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let unauthorized: Counter
    let commands: Counter
    let commandFailures: Counter
    let eventsSent: Counter
    let subscribers: Gauge
    let lastSequence: Gauge
    let cards: Gauge
    let passiveResults: Counter
    /// Events API: bodies refused as invalid, and events with a routing key no integration has.
    let enqueueRejected: Counter
    let unknownRoutingKeys: Counter
    private let enqueueCounters = Mutex<[String: Counter]>([:])
    /// Per-instance check gauges, by instance id; dropped when the instance is gone.
    private let checkGauges = Mutex<[String: [Gauge]]>([:])
    private let durations: DurationHistogram
    private let requestCounters = Mutex<[String: Counter]>([:])
    private let fleetGauges = Mutex<[String: Gauge]>([:])

    static let knownRoutes = ["/healthz", "/v1/snapshot", "/v1/events", "/v1/commands", "/metrics", "/v1/checks/results", "/v1/heartbeats",
                              "/v2/enqueue"]

    /// A fixed route label, so odd paths cannot grow the label set.
    static func route(for path: String) -> String {
        if knownRoutes.contains(path) { return path }
        if path.hasPrefix("/v1/builds/") && path.hasSuffix("/log") { return "/v1/builds/{service}/{number}/jobs/{job}/log" }
        if path.hasPrefix("/v1/instances/") && path.hasSuffix("/log") { return "/v1/instances/{id}/log" }
        if path.hasPrefix("/v1/instances/") && path.hasSuffix("/check") { return "/v1/instances/{id}/check" }
        return "other"
    }

    init() {
        func name(_ subsystem: String, _ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "shipdeck", subsystem: subsystem, metricName: metric, unitName: unit, helpText: help)
        }
        unauthorized = registry.makeCounter(descriptor: name("api", "unauthorized", "total", "Requests refused for a missing or wrong token"))
        commands = registry.makeCounter(descriptor: name("", "commands", "total", "Commands carried out by the core"))
        commandFailures = registry.makeCounter(descriptor: name("", "command_failures", "total", "Commands refused or failed"))
        eventsSent = registry.makeCounter(descriptor: name("events", "sent", "total", "Events sent to event-stream subscribers"))
        subscribers = registry.makeGauge(descriptor: name("event", "subscribers", "", "Open event streams"))
        lastSequence = registry.makeGauge(descriptor: name("event", "sequence", "", "Sequence number of the newest event"))
        cards = registry.makeGauge(descriptor: name("board", "cards", "", "Cards on the board"))
        passiveResults = registry.makeCounter(descriptor: name("check", "passive_results", "total", "Passive check results and heartbeats received"))
        enqueueRejected = registry.makeCounter(descriptor: name("alerts", "events_rejected", "total", "Events API bodies refused as invalid (400)"))
        unknownRoutingKeys = registry.makeCounter(descriptor: name("alerts", "unknown_routing_keys", "total",
                                                                   "Events API events refused: their routing key matches no alerts.integrations entry"))
        durations = registry.makeDurationHistogram(
            descriptor: name("api", "request_duration", "seconds", "Time to answer an API request (event streams: time to start streaming)"),
            buckets: [.microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .seconds(1)])
    }


    /// Counts an event taken in through the Events API, by integration (from the config, so a bounded set) and action.
    func enqueued(integration: String, action: String) {
        let key = "\(integration) \(action)"
        let counter = enqueueCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "shipdeck", subsystem: "alerts", metricName: "events", unitName: "total",
                                                 helpText: "Events API events processed, by integration and action"),
                labels: [("integration", integration), ("action", action)])
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    func record(method: String, route: String, status: Int, duration: Duration) {
        let key = "\(method) \(route) \(status)"
        let counter = requestCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "shipdeck", subsystem: "api", metricName: "requests", unitName: "total", helpText: "API requests by route and status"),
                labels: [("method", method), ("route", route), ("status", String(status))])
            counters[key] = counter
            return counter
        }
        counter.increment()
        durations.record(duration)
    }

    /// The fleet as an APM would report it, per service and environment: the endpoint's traffic
    /// (requests/s, error ratio, p50/p99 latency, in flight, totals since the core started) and the
    /// instances serving against those desired.
    func recordFleet(_ rows: [FleetRow], totals: [String: ProxyStats]) {
        for row in rows {
            let stats = totals[row.name]
            let values: [(String, String, Double)] = [
                ("requests_per_second", "Requests per second through the service endpoint (recent window)", row.traffic.requestsPerSecond),
                ("error_ratio", "Share of failed requests (5xx or no backend) in the recent window", row.traffic.errorRate),
                ("latency_p50_seconds", "Median request latency through the endpoint", row.traffic.p50),
                ("latency_p99_seconds", "99th percentile request latency through the endpoint", row.traffic.p99),
                ("in_flight_requests", "Requests the endpoint is forwarding now", Double(stats?.inFlight ?? row.traffic.inFlight)),
                ("requests", "Requests through the endpoint since the core started", Double(stats?.requests ?? 0)),
                ("request_errors", "Failed requests through the endpoint since the core started", Double(stats?.errors ?? 0)),
                ("instances_serving", "Healthy instances of the active group", Double(row.serving.count)),
                ("instances_desired", "Instances the environment should run", Double(row.desiredInstances)),
            ]
            for (metric, help, value) in values {
                fleetGauge(metric, help: help, service: row.service, environment: row.environment).set(value)
            }
        }
    }

    /// Every instance's health check, the way a Prometheus blackbox or Nagios exporter shows it:
    /// state (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), HARD or SOFT, attempt, duration, flapping
    /// and downtime. Instances that are gone lose their series.
    func recordChecks(_ rows: [FleetRow]) {
        var seen = Set<String>()
        for row in rows {
            for instance in row.instances {
                seen.insert(instance.id)
                let gauges = checkGauges(for: instance.id, service: row.service, environment: row.environment)
                let state: Double = switch instance.health {
                case .ok: 0
                case .warning: 1
                case .critical: 2
                case .unknown, .pending: 3
                }
                let attempt = instance.checkAttempt?.split(separator: "/").first.flatMap { Double($0) } ?? 1
                let values: [Double] = [state, instance.checkType == "soft" ? 0 : 1, attempt, instance.checkDuration ?? 0,
                                        instance.flapping == true ? 1 : 0, instance.downtime != nil ? 1 : 0,
                                        instance.checkedAt?.timeIntervalSince1970 ?? 0]
                for (gauge, value) in zip(gauges, values) { gauge.set(value) }
            }
        }
        let gone = checkGauges.withLock { all in
            let gone = all.filter { !seen.contains($0.key) }
            for id in gone.keys { all[id] = nil }
            return gone.values.flatMap { $0 }
        }
        for gauge in gone { registry.unregisterGauge(gauge) }
    }

    static let checkMetrics: [(String, String, String)] = [
        ("state", "", "The check's state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also before the first check)"),
        ("hard", "", "1 when the state is HARD, 0 while a problem is SOFT (being retried)"),
        ("attempt", "", "The check attempt (Nagios' current_attempt)"),
        ("duration", "seconds", "How long the last check took"),
        ("flapping", "", "1 while the check flaps (its HARD changes do not alert)"),
        ("downtime", "", "1 while a downtime (scheduled, or a deploy's) holds its alerts"),
        ("last_check", "timestamp_seconds", "When the last check ran (Unix time)"),
    ]

    private func checkGauges(for instance: String, service: String, environment: String) -> [Gauge] {
        checkGauges.withLock { all in
            if let gauges = all[instance] { return gauges }
            let gauges = Self.checkMetrics.map { metric, unit, help in
                registry.makeGauge(
                    descriptor: MetricNameDescriptor(namespace: "shipdeck", subsystem: "check", metricName: metric, unitName: unit, helpText: help),
                    labels: [("service", service), ("environment", environment), ("instance", instance)])
            }
            all[instance] = gauges
            return gauges
        }
    }

    private func fleetGauge(_ metric: String, help: String, service: String, environment: String) -> Gauge {
        let key = "\(metric) \(service) \(environment)"
        return fleetGauges.withLock { gauges in
            if let gauge = gauges[key] { return gauge }
            let gauge = registry.makeGauge(
                descriptor: MetricNameDescriptor(namespace: "shipdeck", subsystem: "fleet", metricName: metric, unitName: "", helpText: help),
                labels: [("service", service), ("environment", environment)])
            gauges[key] = gauge
            return gauge
        }
    }

    public func emit() -> String { registry.emitToString() }
}
