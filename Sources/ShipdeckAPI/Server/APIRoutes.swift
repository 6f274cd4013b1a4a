import Foundation
import Hummingbird
import Logging
import HTTPTypes
import NIOCore
import ShipdeckCore

/// The routes of the local API; openapi/shipdeck.yaml describes each.
struct APIRoutes: Sendable {
    let core: WorkspaceCore
    let metrics: APIMetrics
    let logger: Logger

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in
            APIResponses.json(APIDocuments.Liveness(status: "ok", workspace: core.config.name, pid: getpid()))
        }
        router.get("/v1/snapshot") { _, _ in
            APIResponses.json(await core.snapshot())
        }
        router.get("/v1/events") { request, _ in
            try await events(request)
        }
        router.post("/v1/commands") { request, context in
            try await command(request, context: context)
        }
        router.get("/v1/builds/:service/:number/jobs/:job/log") { request, context in
            try await log(request, context: context)
        }
        router.get("/v1/instances/:id/log") { request, context in
            try await instanceLog(request, context: context)
        }
        router.get("/v1/instances/:id/check") { _, context in
            do {
                return APIResponses.json(try await core.checkDetail(instance: context.parameters.get("id") ?? ""))
            } catch let error as ShipdeckError {
                return APIResponses.error(status: APIResponses.status(for: error), error)
            }
        }
        router.get("/v1/cards/:id/history") { _, context in
            do {
                return APIResponses.json(try await core.cardHistory(id: context.parameters.get("id") ?? ""))
            } catch let error as ShipdeckError {
                return APIResponses.error(status: APIResponses.status(for: error), error)
            }
        }
        router.post("/v1/checks/results") { request, _ in
            try await passive(request, as: APIDocuments.CheckResultRequest.self) { ($0.service, $0.environment, $0.instance, $0.status, $0.output ?? "") }
        }
        router.post("/v1/heartbeats") { request, _ in
            try await passive(request, as: APIDocuments.HeartbeatRequest.self) { ($0.service, $0.environment, $0.instance, .ok, $0.output ?? "heartbeat") }
        }
        router.post("/v2/enqueue") { request, _ in
            try await enqueue(request)
        }
        router.get("/metrics") { _, _ in
            let snapshot = await core.snapshot()
            metrics.subscribers.set(Double(await core.subscriberCount))
            metrics.cards.set(Double(snapshot.board.cardCount))
            metrics.lastSequence.set(Double(await core.lastEventSequence))
            metrics.recordFleet(snapshot.fleet, totals: await core.fleet.endpointStats())
            metrics.recordChecks(snapshot.fleet)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: metrics.emit())))
        }
    }

    /// `GET /v1/events?after=N` (or `Last-Event-ID: N`): Server-Sent Events, one per core event,
    /// `id` = its sequence number. Without a position the stream opens with a snapshot.
    func events(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters.get("after")
        let header = request.headers[HTTPField.Name("Last-Event-ID")!]
        var after: Int64?
        if let text = query ?? header {
            guard let value = Int64(text), value >= 0 else {
                return APIResponses.error(status: .badRequest, ShipdeckError(.invalid, "'\(text)' is not a sequence number", field: "after",
                                                                             hint: "pass the id of the last event you received"))
            }
            after = value
        }
        let stream = await core.events(after: after)
        let encoder = APIDocuments.encoder()
        let metrics = self.metrics
        let body = ResponseBody { writer in
            // An opening comment tells the client the stream is live before the first event.
            try await writer.write(ByteBuffer(string: ": shipdeck event stream\n\n"))
            for await event in stream {
                let data = String(decoding: try encoder.encode(event), as: UTF8.self)
                let message = ServerSentEvents.Message(id: String(event.sequence), event: "change", data: data)
                try await writer.write(ByteBuffer(string: ServerSentEvents.encode(message)))
                metrics.eventsSent.increment()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    /// `GET /v1/builds/{service}/{number}/jobs/{job}/log?after=N&limit=N&attempt=N`: a job attempt's log lines.
    func log(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let service = context.parameters.get("service") ?? ""
        let job = context.parameters.get("job") ?? ""
        guard let number = context.parameters.get("number", as: Int.self) else {
            return APIResponses.error(status: .badRequest, ShipdeckError(.invalid, "the build number must be a number", field: "number"))
        }
        let query = request.uri.queryParameters
        let after = query.get("after", as: Int.self) ?? 0
        let limit = min(query.get("limit", as: Int.self) ?? 10_000, 1_000_000)
        let attempt = query.get("attempt", as: Int.self)
        do {
            return APIResponses.json(try await core.log(service: service, number: number, job: job, attempt: attempt, after: after, limit: limit))
        } catch let error as ShipdeckError {
            return APIResponses.error(status: APIResponses.status(for: error), error)
        }
    }

    /// `GET /v1/instances/{id}/log?after=N&limit=N`: an instance's captured output.
    func instanceLog(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let query = request.uri.queryParameters
        let after = query.get("after", as: Int.self) ?? 0
        let limit = min(query.get("limit", as: Int.self) ?? 10_000, 1_000_000)
        do {
            return APIResponses.json(try await core.instanceLog(id: id, after: after, limit: limit))
        } catch let error as ShipdeckError {
            return APIResponses.error(status: APIResponses.status(for: error), error)
        }
    }

    /// `POST /v1/checks/results` and `/v1/heartbeats`: a passive result from a service, applied to
    /// one instance or to every active instance of the service in the environment. The token is the
    /// authority (services send results, not people).
    func passive<Document: Decodable>(_ request: Request, as type: Document.Type,
                                      _ fields: (Document) -> (String, String, String?, CheckStatus, String)) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 << 10)
        let document: Document
        do {
            document = try APIDocuments.decoder().decode(Document.self, from: Data(buffer: body))
        } catch {
            return APIResponses.error(status: .badRequest, ShipdeckError(.invalid, "the check result is not valid: \(Self.describe(error))", field: "body",
                                                                         hint: "send {\"service\": …, \"environment\": …, \"status\": \"ok\"} (see openapi/shipdeck.yaml)"))
        }
        let (service, environment, instance, status, output) = fields(document)
        do {
            let applied = try await core.fleet.submit(service: service, environment: environment, instance: instance, status: status, output: output)
            metrics.passiveResults.increment()
            return APIResponses.json(APIDocuments.CheckResultReply(applied: applied))
        } catch let error as ShipdeckError {
            return APIResponses.error(status: APIResponses.status(for: error), error)
        }
    }

    /// A decoding error as one sentence that names the field.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "'\(key.stringValue)' is missing"
        case DecodingError.dataCorrupted(let context), DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return (path.isEmpty ? "" : "'\(path)': ") + context.debugDescription
        default: return "\(error)"
        }
    }

    /// `POST /v1/commands`: carries out a command as the person in `X-Shipdeck-Person`; the core
    /// checks that person's roles.
    func command(_ request: Request, context: BasicRequestContext) async throws -> Response {
        guard let person = request.headers[HTTPField.Name(APIDocuments.personHeader)!], !person.isEmpty else {
            return APIResponses.error(status: .badRequest, ShipdeckError(.invalid, "the request does not say who acts", field: APIDocuments.personHeader,
                                                                         hint: "send the acting person's handle in \(APIDocuments.personHeader)"))
        }
        let body = try await request.body.collect(upTo: 1 << 20)
        let document: APIDocuments.CommandRequest
        do {
            document = try APIDocuments.decoder().decode(APIDocuments.CommandRequest.self, from: Data(buffer: body))
        } catch {
            return APIResponses.error(status: .badRequest, ShipdeckError(.invalid, "the command is not valid JSON for this API: \(error)", field: "command",
                                                                         hint: "see openapi/shipdeck.yaml"))
        }
        do {
            let outcome = try await core.perform(document.command, as: person)
            metrics.commands.increment()
            logger.info("\(person) ran \(document.command)")
            return APIResponses.json(outcome)
        } catch let error as ShipdeckError {
            metrics.commandFailures.increment()
            logger.notice("refused \(person): \(error)")
            return APIResponses.error(status: APIResponses.status(for: error), error)
        }
    }
}

/// Building responses.
enum APIResponses {
    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? APIDocuments.encoder().encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(status: HTTPResponse.Status, _ error: ShipdeckError, headers: HTTPFields = [:]) -> Response {
        var response = json(APIDocuments.ErrorBody(error), status: status)
        for field in headers { response.headers.append(field) }
        return response
    }

    static func status(for error: ShipdeckError) -> HTTPResponse.Status {
        switch error.kind {
        case .refused: return .forbidden
        case .notFound: return .notFound
        case .invalid, .config, .theme: return .unprocessableContent
        case .store, .io: return .internalServerError
        }
    }
}
