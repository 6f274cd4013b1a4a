import Foundation

/// One microservice: where its code lives, how to start it and how to check it.
public struct ServiceConfig: Sendable, Equatable {
    public var name: String
    /// The repository folder, relative to the workspace.
    public var repo: String
    /// The pipeline file, relative to the repository (default `.buildkite/pipeline.yml`).
    public var pipeline: String
    /// The shell command that starts one instance; it reads `$PORT`.
    public var run: String
    /// The stable endpoint port in the first environment (see `WorkspaceConfig.endpointPort`).
    public var port: Int
    public var health: HealthCheckConfig
    /// Desired instance count per environment; environments not listed run none.
    public var instances: [String: Int]
    /// Extra variables per environment, passed to each instance.
    public var env: [String: [String: String]]
    /// `process` or `container`; nil follows `fleet.runtime`.
    public var runtime: RuntimeKind?
    /// When the service is supported by day (read in the on-call time zone); nil: always.
    public var supportHours: SupportHours?

    public static let defaultPipeline = ".buildkite/pipeline.yml"

    public init(
        name: String, repo: String, pipeline: String = ServiceConfig.defaultPipeline, run: String, port: Int,
        health: HealthCheckConfig = HealthCheckConfig(), instances: [String: Int] = [:], env: [String: [String: String]] = [:]
    ) {
        self.name = name
        self.repo = repo
        self.pipeline = pipeline
        self.run = run
        self.port = port
        self.health = health
        self.instances = instances
        self.env = env
    }
}

/// How the health engine probes each instance.
public struct HealthCheckConfig: Sendable, Equatable {
    /// How an instance is checked.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// GET `path` (the default).
        case http
        /// Connect to the instance's port.
        case tcp
        /// Run `command`, a Nagios plugin, and read its exit code and output.
        case command
        /// No active check: the service sends results or heartbeats to the core's API, and
        /// `freshness_threshold` turns a silent instance CRITICAL.
        case passive
    }

    public var kind: Kind = .http
    /// The HTTP path that answers 200 when the instance is healthy.
    public var path: String
    /// Seconds between probes.
    public var interval: Double
    /// Seconds before a probe counts as failed.
    public var timeout: Double
    /// Successful probes in a row before an instance counts as healthy.
    public var rise: Int
    /// Seconds between re-checks while a problem is SOFT (Nagios' `retry_interval`).
    public var retryInterval: Double = 1
    /// Failed checks in a row before a problem is HARD and the instance leaves its endpoint
    /// (Nagios' `max_check_attempts`).
    public var maxCheckAttempts: Int = 3
    /// The plugin command line of a `command` check (run by `sh -c`); `$HOST$`, `$PORT$`,
    /// `$PATH$`, `$SERVICE$`, `$ENVIRONMENT$` and `$INSTANCE$` are replaced first.
    public var command: String?
    /// Seconds without any result (active or passive) after which a passive check turns CRITICAL
    /// and an active one is run at once (Nagios' `freshness_threshold`); nil: 3 × interval for
    /// passive checks, off for active ones.
    public var freshnessThreshold: Double?
    public var flapDetection = true
    public var lowFlapThreshold = 20.0
    public var highFlapThreshold = 30.0

    /// The seconds after which a silent check is stale, or nil when freshness is not checked.
    public var freshness: Double? { freshnessThreshold ?? (kind == .passive ? interval * 3 : nil) }

    /// The Nagios policy of an instance's health check.
    public var policy: CheckPolicy {
        CheckPolicy(checkInterval: interval, retryInterval: min(retryInterval, interval), maxCheckAttempts: maxCheckAttempts,
                    flapLowThreshold: lowFlapThreshold, flapHighThreshold: highFlapThreshold, flapDetection: flapDetection)
    }

    public init(path: String = "/health", interval: Double = 5, timeout: Double = 2, rise: Int = 2) {
        self.path = path
        self.interval = interval
        self.timeout = timeout
        self.rise = rise
    }
}
