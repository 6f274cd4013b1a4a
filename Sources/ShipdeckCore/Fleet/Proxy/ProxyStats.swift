/// What a `ServiceProxy` has done since it started.
public struct ProxyStats: Sendable, Equatable, Codable {
    /// Finished requests since start (answered, or abandoned by a disconnect).
    public var requests: UInt64
    /// 5xx responses from backends, plus the 502/503 answers the proxy gave itself, plus responses a
    /// backend cut off midway.
    public var errors: UInt64
    /// Requests received whose response has not ended yet.
    public var inFlight: Int
    /// Latency (request head received → response end) in seconds, median over the recent window:
    /// the last 4096 requests of each event loop.
    public var p50: Double
    /// The 99th percentile over the same window, in seconds.
    public var p99: Double

    public init(requests: UInt64 = 0, errors: UInt64 = 0, inFlight: Int = 0, p50: Double = 0, p99: Double = 0) {
        self.requests = requests
        self.errors = errors
        self.inFlight = inFlight
        self.p50 = p50
        self.p99 = p99
    }
}
