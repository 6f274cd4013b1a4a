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
    private let durations: DurationHistogram
    private let requestCounters = Mutex<[String: Counter]>([:])
    private let fleetGauges = Mutex<[String: Gauge]>([:])

    static let knownRoutes = ["/healthz", "/v1/snapshot", "/v1/events", "/v1/commands", "/metrics"]

    /// A fixed route label, so odd paths cannot grow the label set.
    static func route(for path: String) -> String {
        if knownRoutes.contains(path) { return path }
        if path.hasPrefix("/v1/builds/") && path.hasSuffix("/log") { return "/v1/builds/{service}/{number}/jobs/{job}/log" }
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
        durations = registry.makeDurationHistogram(
            descriptor: name("api", "request_duration", "seconds", "Time to answer an API request (event streams: time to start streaming)"),
            buckets: [.microseconds(100), .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .seconds(1)])
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
