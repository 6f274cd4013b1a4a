import AsyncHTTPClient
import Foundation
import NIOCore

/// One health check's answer.
public struct ProbeResult: Sendable, Equatable {
    /// OK, or WARNING / CRITICAL as the endpoint's JSON `status` says, CRITICAL when it does not answer 2xx.
    public var status: CheckStatus
    /// `200 {"status": "ok"}`, `connection refused`, `timed out after 2 s`.
    public var detail: String
    public var passed: Bool { status == .ok }
    public init(status: CheckStatus, detail: String) {
        self.status = status
        self.detail = detail
    }
    public init(passed: Bool, detail: String) {
        self.init(status: passed ? .ok : .critical, detail: detail)
    }
}

/// Checks one instance's health endpoint; tests pass a twin.
public protocol HealthProbe: Sendable {
    func check(host: String, port: Int, path: String, timeout: Duration) async -> ProbeResult
}

/// GETs the health path: a 2xx passes, unless the body is JSON whose `status` is not `ok`
/// (`warning`, `critical`). Connections are kept alive by the shared HTTP client.
public struct HTTPHealthProbe: HealthProbe {
    let client: HTTPClient

    public init(client: HTTPClient = .shared) { self.client = client }

    public func check(host: String, port: Int, path: String, timeout: Duration) async -> ProbeResult {
        let request = HTTPClientRequest(url: "http://\(host):\(port)\(path)")
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000
                                                                                   + Int64(timeout.components.attoseconds / 1_000_000_000)))
            let body = try await response.body.collect(upTo: 64 * 1024)
            let code = Int(response.status.code)
            var status: String?
            if let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] {
                status = object["status"] as? String
            }
            let result: CheckStatus
            if !(200..<300).contains(code) {
                result = .critical
            } else {
                switch status?.lowercased() {
                case nil, "ok": result = .ok
                case "warning", "warn": result = .warning
                case "unknown": result = .unknown
                default: result = .critical
                }
            }
            return ProbeResult(status: result, detail: "\(code)" + (status.map { " status \($0)" } ?? ""))
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            return ProbeResult(passed: false, detail: "timed out after \(timeout)")
        } catch {
            return ProbeResult(passed: false, detail: Self.describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if text.contains("deadlineExceeded") || text.contains("connectTimeout") { return "timed out" }
        return text.count > 120 ? String(text.prefix(117)) + "…" : text
    }
}
