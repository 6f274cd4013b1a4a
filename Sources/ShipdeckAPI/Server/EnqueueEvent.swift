import Foundation
import ShipdeckCore

/// Reads a `POST /v2/enqueue` body the way PagerDuty's Events API v2 does: every problem is collected
/// (one sentence each, in PagerDuty's words) rather than stopping at the first, and the routing key
/// picks the integration the event comes through. `client`, `client_url`, `images` and `links` are
/// accepted and ignored.
enum EnqueueEvent {
    enum Outcome: Equatable {
        /// A valid event from a configured integration.
        case event(AlertEvent, integration: IntegrationConfig)
        /// Not a JSON object at all.
        case unrecognized
        /// One sentence per problem.
        case invalid([String])
        /// Well formed, but no integration has this routing key.
        case unknownRoutingKey(String)
    }

    static let summaryLimit = 1024
    static let dedupKeyLimit = 255
    static let routingKeyLength = 32
    /// PagerDuty's limit on a whole event.
    static let bodyLimit = 512 << 10
    static let unknownRoutingKeyError = "Invalid routing key: no alerts.integrations entry in shipdeck.yml has this 'routing_key'"

    static func read(_ body: Data, integrations: AlertsConfig) -> Outcome {
        // Events as senders write them decode straight into typed fields; a field of another type
        // falls back to the generic reading, which then names it.
        // `custom_details` is kept as the JSON text the sender wrote (found, not decoded, on the typed path).
        let fields: [String: JSONValue]
        let customDetails: String?
        if let typed = try? JSONDecoder().decode(TypedBody.self, from: body) {
            fields = typed.fields
            customDetails = typed.payload == nil ? nil : JSONSlice.text(at: ["payload", "custom_details"], in: body)
        } else if let document = try? JSONDecoder().decode(JSONValue.self, from: body), case .object(let generic) = document {
            fields = generic
            if case .object(let payload) = generic["payload"], let details = payload["custom_details"] {
                customDetails = details.text
            } else {
                customDetails = nil
            }
        } else {
            return .unrecognized
        }
        var errors: [String] = []
        let routingKey = text(fields["routing_key"])
        if routingKey.isEmpty {
            errors.append("'routing_key' is missing or blank")
        } else {
            if routingKey.count != routingKeyLength { errors.append("Length of 'routing_key' is incorrect (should be \(routingKeyLength) characters)") }
            if !routingKey.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) {
                errors.append("'routing_key' cannot contain non-alphanumeric characters.")
            }
        }
        let actionText = text(fields["event_action"])
        let action = AlertEvent.Action(rawValue: actionText)
        if actionText.isEmpty {
            errors.append("'event_action' is missing or blank")
        } else if action == nil {
            errors.append("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')")
        }
        var dedupKey: String? = text(fields["dedup_key"])
        if !isText(fields["dedup_key"]) {
            errors.append("'dedup_key' is invalid (must be a string)")
        } else if dedupKey!.count > dedupKeyLimit {
            errors.append("'dedup_key' is too long (maximum is \(dedupKeyLimit) characters)")
        }
        if dedupKey?.trimmingCharacters(in: .whitespaces).isEmpty == true { dedupKey = nil }
        if let action, action != .trigger, dedupKey == nil, isText(fields["dedup_key"]) {
            errors.append("'dedup_key' is missing or blank")
        }
        var event = AlertEvent(action: action ?? .trigger, dedupKey: dedupKey, integration: "", by: "")
        if action == .trigger {
            errors += readPayload(fields["payload"], into: &event)
            event.customDetails = customDetails == "null" ? nil : customDetails
        }
        guard errors.isEmpty else { return .invalid(errors) }
        guard let integration = integrations.integration(routingKey: routingKey) else { return .unknownRoutingKey(routingKey) }
        event.integration = integration.name
        event.service = integration.service
        event.urgency = integration.urgency
        event.by = integration.name
        return .event(event, integration: integration)
    }

    /// The trigger's `payload`: summary, source and severity required, the rest optional.
    private static func readPayload(_ value: JSONValue?, into event: inout AlertEvent) -> [String] {
        guard case .object(let payload) = value else { return ["'payload' is missing or is not an object"] }
        var errors: [String] = []
        for (field, required) in [("summary", true), ("source", true), ("severity", true), ("component", false), ("group", false), ("class", false)]
            where !isText(payload[field]) {
            errors.append(required ? "'payload.\(field)' is missing or blank" : "'payload.\(field)' is invalid (must be a string)")
        }
        let summary = text(payload["summary"])
        if isText(payload["summary"]) {
            if summary.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                errors.append("'payload.summary' is missing or blank")
            } else if summary.count > summaryLimit {
                errors.append("'payload.summary' is too long (maximum is \(summaryLimit) characters)")
            }
        }
        let source = text(payload["source"])
        if isText(payload["source"]), source.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            errors.append("'payload.source' is missing or blank")
        }
        let severityText = text(payload["severity"])
        let severity = Incident.Severity(rawValue: severityText)
        if isText(payload["severity"]) {
            if severityText.isEmpty {
                errors.append("'payload.severity' is missing or blank")
            } else if severity == nil {
                errors.append("'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')")
            }
        }
        event.summary = summary
        event.source = source
        event.severity = severity ?? .error
        // An unreadable timestamp is ignored rather than refused: the time of receipt counts then.
        if case .string(let stamp) = payload["timestamp"] { event.timestamp = parseTimestamp(stamp) }
        event.component = optionalText(payload["component"])
        event.group = optionalText(payload["group"])
        event.eventClass = optionalText(payload["class"])
        return errors
    }

    /// The fields `read` looks at, each of the type PagerDuty documents.
    private struct TypedBody: Decodable {
        var routing_key: String?
        var event_action: String?
        var dedup_key: String?
        var payload: Payload?

        /// `custom_details` is left out: any JSON goes there.
        struct Payload: Decodable {
            var summary, source, severity, timestamp, component, group: String?
            var `class`: String?
        }

        var fields: [String: JSONValue] {
            var fields: [String: JSONValue] = [:]
            fields["routing_key"] = routing_key.map(JSONValue.string)
            fields["event_action"] = event_action.map(JSONValue.string)
            fields["dedup_key"] = dedup_key.map(JSONValue.string)
            if let payload {
                var object: [String: JSONValue] = [:]
                for (key, value) in [("summary", payload.summary), ("source", payload.source), ("severity", payload.severity),
                                     ("timestamp", payload.timestamp), ("component", payload.component), ("group", payload.group),
                                     ("class", payload.class)] {
                    object[key] = value.map(JSONValue.string)
                }
                fields["payload"] = .object(object)
            }
            return fields
        }
    }

    /// A string field's text; "" when absent or null. Numbers are read as their JSON text.
    private static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text): return text
        case .number(let number): return JSONValue.number(number).text
        default: return ""
        }
    }

    private static func optionalText(_ value: JSONValue?) -> String? {
        let text = text(value)
        return text.isEmpty ? nil : text
    }

    /// Absent, null, a string or a number (PagerDuty takes `"dedup_key": 42` as text).
    private static func isText(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null, .string, .number: return true
        default: return false
        }
    }

    /// ISO 8601 with or without fractional seconds, with `Z`, `+02:00` or `+0200`.
    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        // `2015-07-17T08:42:58.315+0000`, as PagerDuty's own examples write it.
        if let match = text.firstMatch(of: /([+-]\d\d)(\d\d)$/) {
            return parseTimestamp(String(text[..<match.range.lowerBound]) + match.output.1 + ":" + match.output.2)
        }
        return nil
    }
}
