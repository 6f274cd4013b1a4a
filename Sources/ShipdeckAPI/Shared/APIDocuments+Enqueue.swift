import Foundation
import ShipdeckCore

/// The documents of `POST /v2/enqueue`, PagerDuty's Events API v2 as Shipdeck answers it: a monitor
/// that pages PagerDuty pages Shipdeck by changing one URL.
extension APIDocuments {
    /// An alert event as a sender writes it (the server reads the body more leniently, see `EnqueueEvent`).
    public struct EnqueueRequest: Codable, Sendable, Equatable {
        public var routingKey: String
        public var eventAction: String
        public var dedupKey: String?
        public var payload: Payload?
        public var client: String?
        public var clientURL: String?

        public struct Payload: Codable, Sendable, Equatable {
            public var summary: String
            public var source: String
            public var severity: String
            public var timestamp: String?
            public var component: String?
            public var group: String?
            public var eventClass: String?
            public var customDetails: JSONValue?

            public init(summary: String, source: String, severity: String, timestamp: String? = nil, component: String? = nil,
                        group: String? = nil, eventClass: String? = nil, customDetails: JSONValue? = nil) {
                self.summary = summary
                self.source = source
                self.severity = severity
                self.timestamp = timestamp
                self.component = component
                self.group = group
                self.eventClass = eventClass
                self.customDetails = customDetails
            }

            enum CodingKeys: String, CodingKey {
                case summary, source, severity, timestamp, component, group
                case eventClass = "class"
                case customDetails = "custom_details"
            }
        }

        public init(routingKey: String, eventAction: String, dedupKey: String? = nil, payload: Payload? = nil,
                    client: String? = nil, clientURL: String? = nil) {
            self.routingKey = routingKey
            self.eventAction = eventAction
            self.dedupKey = dedupKey
            self.payload = payload
            self.client = client
            self.clientURL = clientURL
        }

        enum CodingKeys: String, CodingKey {
            case routingKey = "routing_key"
            case eventAction = "event_action"
            case dedupKey = "dedup_key"
            case payload, client
            case clientURL = "client_url"
        }
    }

    /// 202: the event was applied (an acknowledge or resolve for no open alert is dropped, as PagerDuty does).
    public struct EnqueueReply: Codable, Sendable, Equatable {
        public var status = "success"
        public var message = "Event processed"
        /// The alert's key; generated for a trigger sent without one.
        public var dedupKey: String

        public init(dedupKey: String) { self.dedupKey = dedupKey }

        enum CodingKeys: String, CodingKey {
            case status, message
            case dedupKey = "dedup_key"
        }
    }

    /// 400 (and 500): PagerDuty's error shape, one sentence per problem in `errors`.
    public struct EnqueueError: Codable, Sendable, Equatable, Error {
        public var status: String
        public var message: String
        public var errors: [String]

        public init(status: String, message: String, errors: [String]) {
            self.status = status
            self.message = message
            self.errors = errors
        }

        /// `{"status": "invalid event", "message": "Event object is invalid", "errors": [...]}`.
        public static func invalid(_ errors: [String]) -> EnqueueError {
            EnqueueError(status: "invalid event", message: "Event object is invalid", errors: errors)
        }

        /// A body that is not a JSON object.
        public static let unrecognized = EnqueueError(status: "Unrecognized object", message: "Event object format is unrecognized",
                                                      errors: ["JSON parse error"])
    }
}

/// Any JSON value: `custom_details` is free-form and kept as JSON text.
public enum JSONValue: Codable, Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Strings first: the most common, and each failed attempt costs a thrown error.
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Compact JSON text with sorted keys.
    public var text: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
