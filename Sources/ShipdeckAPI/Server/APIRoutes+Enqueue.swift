import Foundation
import Hummingbird
import NIOCore
import ShipdeckCore

extension APIRoutes {
    /// `POST /v2/enqueue`: PagerDuty's Events API v2. The routing key, not the API token, is the
    /// authority: it must be an `alerts.integrations` entry's, and the event comes in as that
    /// integration (its name, service and urgency). Answers as PagerDuty does: 202 with the dedup key,
    /// 400 with every problem.
    func enqueue(_ request: Request) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: EnqueueEvent.bodyLimit)
        } catch {
            metrics.enqueueRejected.increment()
            return APIResponses.json(APIDocuments.EnqueueError.invalid(["Event object is larger than 512 KB"]), status: .badRequest)
        }
        switch EnqueueEvent.read(Data(buffer: body), integrations: core.config.alerts) {
        case .unrecognized:
            metrics.enqueueRejected.increment()
            return APIResponses.json(APIDocuments.EnqueueError.unrecognized, status: .badRequest)
        case .invalid(let errors):
            metrics.enqueueRejected.increment()
            logger.notice("POST /v2/enqueue refused: \(errors.joined(separator: "; "))")
            return APIResponses.json(APIDocuments.EnqueueError.invalid(errors), status: .badRequest)
        case .unknownRoutingKey(let key):
            metrics.unknownRoutingKeys.increment()
            logger.warning("POST /v2/enqueue refused: routing key \(key.prefix(4))… matches no alerts.integrations entry")
            return APIResponses.json(APIDocuments.EnqueueError.invalid([EnqueueEvent.unknownRoutingKeyError]), status: .badRequest)
        case .event(let event, let integration):
            do {
                let (_, key) = try await core.alerts.ingest(event)
                metrics.enqueued(integration: integration.name, action: event.action.rawValue)
                return Self.accepted(dedupKey: key)
            } catch {
                logger.error("POST /v2/enqueue from \(integration.name) failed: \(error)")
                return APIResponses.json(APIDocuments.EnqueueError(status: "error", message: "Event could not be processed", errors: ["\(error)"]),
                                         status: .internalServerError)
            }
        }
    }

    /// 202 `{"dedup_key":…,"message":"Event processed","status":"success"}`, written directly when the
    /// key needs no escaping (nearly always; this answers thousands of events a second).
    static func accepted(dedupKey key: String) -> Response {
        guard key.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) else {
            return APIResponses.json(APIDocuments.EnqueueReply(dedupKey: key), status: .accepted)
        }
        return Response(status: .accepted, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: #"{"dedup_key":""# + key + #"","message":"Event processed","status":"success"}"#)))
    }
}
