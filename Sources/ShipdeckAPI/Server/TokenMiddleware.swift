import Foundation
import Hummingbird
import Logging

/// Rejects requests without the workspace's bearer token (401, logged), except the liveness probe and
/// the Events API (`POST /v2/enqueue`), whose routing key is checked by its route instead.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String
    let logger: Logger
    let metrics: APIMetrics

    static var openPaths: Set<String> { ["/healthz"] }

    /// Whether a request may go through without the token.
    static func isOpen(_ request: Request) -> Bool {
        openPaths.contains(request.uri.path) || (request.method == .post && request.uri.path == "/v2/enqueue")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.isOpen(request) { return try await next(request, context) }
        let header = request.headers[.authorization] ?? ""
        let presented = header.hasPrefix("Bearer ") ? String(header.dropFirst(7)) : ""
        guard !presented.isEmpty, constantTimeEqual(presented, token) else {
            let reason = header.isEmpty ? "missing token" : "wrong token"
            logger.warning("401 \(request.method) \(request.uri.path): \(reason)")
            metrics.unauthorized.increment()
            return APIResponses.error(status: .unauthorized, .init(.refused, "\(reason) for the Shipdeck API",
                                                                    hint: "send `Authorization: Bearer <token>` with the token from .shipdeck/token"),
                                      headers: [.wwwAuthenticate: "Bearer realm=\"shipdeck\""])
        }
        return try await next(request, context)
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Logs each request in one plain line and counts it by route and status.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    let metrics: APIMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let route = APIMetrics.route(for: request.uri.path)
        metrics.record(method: request.method.rawValue, route: route, status: Int(response.status.code), duration: elapsed)
        logger.debug("\(response.status.code) \(request.method) \(request.uri.path)")
        return response
    }
}
