import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ShipdeckCore

/// A core reached through its local API: what attached dashboards and acting CLI commands use.
/// The event stream reconnects by itself, resuming after the last sequence it delivered, so no event
/// is lost or repeated; connection changes are reported on `connectionStates()`.
public final class RemoteCore: CoreClient, Sendable {
    private let locator: CoreLocator
    private let client: HTTPClient
    private let states: AsyncStream<CoreConnection>
    private let stateContinuation: AsyncStream<CoreConnection>.Continuation

    public init(locator: CoreLocator, client: HTTPClient = .shared) {
        self.locator = locator
        self.client = client
        (states, stateContinuation) = AsyncStream.makeStream(of: CoreConnection.self, bufferingPolicy: .bufferingNewest(8))
    }

    public func connectionStates() async -> AsyncStream<CoreConnection> { states }

    public func snapshot() async throws -> WorkspaceSnapshot {
        let endpoint = try locator.require()
        var request = HTTPClientRequest(url: endpoint.url + "/v1/snapshot")
        request.headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
        let response = try await execute(request, endpoint: endpoint)
        let body = try await response.body.collect(upTo: 256 << 20)
        return try APIDocuments.decoder().decode(WorkspaceSnapshot.self, from: Data(buffer: body))
    }

    @discardableResult
    public func perform(_ command: CoreCommand, as person: String) async throws -> CommandOutcome {
        let endpoint = try locator.require()
        var request = HTTPClientRequest(url: endpoint.url + "/v1/commands")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: APIDocuments.personHeader, value: person)
        request.body = .bytes(ByteBuffer(bytes: try APIDocuments.encoder().encode(APIDocuments.CommandRequest(command: command))))
        let response = try await execute(request, endpoint: endpoint)
        let body = try await response.body.collect(upTo: 1 << 20)
        return try APIDocuments.decoder().decode(CommandOutcome.self, from: Data(buffer: body))
    }

    public func log(service: String, number: Int, job: String, attempt: Int?, after: Int, limit: Int) async throws -> [LogLine] {
        let endpoint = try locator.require()
        var components = URLComponents()
        components.path = "/v1/builds/\(service)/\(number)/jobs/\(job)/log"
        components.queryItems = [URLQueryItem(name: "after", value: String(after)), URLQueryItem(name: "limit", value: String(limit))]
            + (attempt.map { [URLQueryItem(name: "attempt", value: String($0))] } ?? [])
        var request = HTTPClientRequest(url: endpoint.url + (components.string ?? ""))
        request.headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
        let response = try await execute(request, endpoint: endpoint)
        let body = try await response.body.collect(upTo: 512 << 20)
        return try APIDocuments.decoder().decode([LogLine].self, from: Data(buffer: body))
    }

    public func instanceLog(id: String, after: Int, limit: Int) async throws -> [LogLine] {
        let endpoint = try locator.require()
        var components = URLComponents()
        components.path = "/v1/instances/\(id)/log"
        components.queryItems = [URLQueryItem(name: "after", value: String(after)), URLQueryItem(name: "limit", value: String(limit))]
        var request = HTTPClientRequest(url: endpoint.url + (components.string ?? ""))
        request.headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
        let response = try await execute(request, endpoint: endpoint)
        let body = try await response.body.collect(upTo: 512 << 20)
        return try APIDocuments.decoder().decode([LogLine].self, from: Data(buffer: body))
    }

    public func checkDetail(instance id: String) async throws -> CheckDetail {
        try await get("/v1/instances/\(id)/check")
    }

    public func cardHistory(id: String) async throws -> [CardHistoryEntry] {
        try await get("/v1/cards/\(id)/history")
    }

    /// GETs `path` and decodes its JSON body.
    private func get<Document: Decodable>(_ path: String) async throws -> Document {
        let endpoint = try locator.require()
        var components = URLComponents()
        components.path = path
        var request = HTTPClientRequest(url: endpoint.url + (components.string ?? ""))
        request.headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
        let response = try await execute(request, endpoint: endpoint)
        let body = try await response.body.collect(upTo: 16 << 20)
        return try APIDocuments.decoder().decode(Document.self, from: Data(buffer: body))
    }

    public func events() async -> AsyncStream<CoreEvent> { await events(after: nil) }

    public func events(after sequence: Int64?) async -> AsyncStream<CoreEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: CoreEvent.self, bufferingPolicy: .unbounded)
        let task = Task { [self] in
            var last = sequence
            var delay: Duration = .milliseconds(200)
            while !Task.isCancelled {
                do {
                    try await follow(after: last) { event in
                        last = event.sequence
                        delay = .milliseconds(200)
                        continuation.yield(event)
                    }
                } catch is CancellationError {
                    break
                } catch {
                    stateContinuation.yield(.disconnected(String(describing: error)))
                }
                if Task.isCancelled { break }
                stateContinuation.yield(.disconnected("core disconnected"))
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// One connection to `/v1/events`: delivers events until the stream ends or fails.
    private func follow(after sequence: Int64?, deliver: (CoreEvent) -> Void) async throws {
        guard let endpoint = try locator.locate() else {
            throw ShipdeckError(.notFound, "no core runs for \(locator.workspace.path)")
        }
        var request = HTTPClientRequest(url: endpoint.url + "/v1/events" + (sequence.map { "?after=\($0)" } ?? ""))
        request.headers.add(name: "Authorization", value: "Bearer \(endpoint.token)")
        request.headers.add(name: "Accept", value: "text/event-stream")
        let response = try await client.execute(request, timeout: .hours(24 * 365))
        guard response.status == .ok else { throw ShipdeckError(.refused, "the core answered \(response.status.code) to the event stream") }
        stateContinuation.yield(.connected(endpoint.holder))
        var parser = ServerSentEvents.Parser()
        let decoder = APIDocuments.decoder()
        for try await buffer in response.body {
            for message in parser.feed(buffer.readableBytesView) {
                deliver(try decoder.decode(CoreEvent.self, from: Data(message.data.utf8)))
            }
        }
    }

    /// Sends `request`; a non-2xx answer becomes the core's own `ShipdeckError`.
    private func execute(_ request: HTTPClientRequest, endpoint: CoreLocator.Endpoint) async throws -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(30))
        } catch {
            throw ShipdeckError(.io, "cannot reach the core at \(endpoint.url): \(error)", hint: "is `shipdeck serve` still running?")
        }
        guard (200..<300).contains(response.status.code) else {
            let body = try await response.body.collect(upTo: 1 << 20)
            if let document = try? APIDocuments.decoder().decode(APIDocuments.ErrorBody.self, from: Data(buffer: body)) {
                throw document.shipdeckError
            }
            throw ShipdeckError(.io, "the core answered \(response.status.code)")
        }
        return response
    }
}
