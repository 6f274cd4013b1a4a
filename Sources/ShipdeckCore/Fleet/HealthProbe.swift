/// One health check's answer.
public struct ProbeResult: Sendable, Equatable {
    /// OK, or WARNING / CRITICAL as the endpoint's JSON `status` says, CRITICAL when it does not answer 2xx.
    public var status: CheckStatus
    /// `200 status ok`, `200 status warning (db critical)`, `connection refused`, `timed out after 2 s`.
    public var detail: String
    /// Seconds the check took, from its start to its answer (or failure).
    public var duration: Double
    public var passed: Bool { status == .ok }
    public init(status: CheckStatus, detail: String, duration: Double = 0) {
        self.status = status
        self.detail = detail
        self.duration = duration
    }
    public init(passed: Bool, detail: String, duration: Double = 0) {
        self.init(status: passed ? .ok : .critical, detail: detail, duration: duration)
    }
}

/// Checks one instance's health endpoint; `HTTPCheckClient` is the real one, tests pass a twin.
public protocol HealthProbe: Sendable {
    func check(host: String, port: Int, path: String, timeout: Duration) async -> ProbeResult
}
