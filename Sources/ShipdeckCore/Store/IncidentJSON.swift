import Foundation

/// An incident as the store keeps it: the JSON `JSONEncoder()` would write (dates as seconds since
/// the reference date, absent optionals left out), written by hand. Every change of an incident
/// rewrites it whole (with its timeline), thousands of times a second under an Events API burst, and
/// this is several times cheaper than going through `Encodable`. `Incident`'s own `Decodable` reads it
/// back; a test fails when `Incident` or `TimelineEntry` gains a property this does not write.
enum IncidentJSON {
    static func encode(_ incident: Incident) -> String {
        var out = Writer()
        out.bytes.reserveCapacity(1024 + incident.timeline.count * 128)
        out.raw("{")
        out.key("id", first: true); out.integer(incident.id)
        out.key("dedupKey"); out.string(incident.dedupKey)
        out.key("summary"); out.string(incident.summary)
        out.key("source"); out.string(incident.source)
        out.key("severity"); out.string(incident.severity.rawValue)
        out.key("urgency"); out.string(incident.urgency.rawValue)
        out.key("state"); out.string(incident.state.rawValue)
        out.optional("service", incident.service)
        out.optional("environment", incident.environment)
        out.optional("component", incident.component)
        out.optional("group", incident.group)
        out.optional("eventClass", incident.eventClass)
        out.optional("customDetails", incident.customDetails)
        out.key("integration"); out.string(incident.integration)
        out.key("createdAt"); out.date(incident.createdAt)
        out.key("updatedAt"); out.date(incident.updatedAt)
        out.optional("acknowledgedBy", incident.acknowledgedBy)
        out.optional("acknowledgedAt", incident.acknowledgedAt)
        out.optional("resolvedBy", incident.resolvedBy)
        out.optional("resolvedAt", incident.resolvedAt)
        out.optional("snoozedUntil", incident.snoozedUntil)
        out.optional("heldUntil", incident.heldUntil)
        out.key("escalationLevel"); out.integer(Int64(incident.escalationLevel))
        out.key("escalationLoop"); out.integer(Int64(incident.escalationLoop))
        out.optional("nextEscalationAt", incident.nextEscalationAt)
        out.key("paged"); out.strings(incident.paged)
        out.key("nextPaged"); out.strings(incident.nextPaged)
        out.key("triggerCount"); out.integer(Int64(incident.triggerCount))
        out.key("timeline"); out.raw("[")
        for (index, entry) in incident.timeline.enumerated() {
            if index > 0 { out.raw(",") }
            out.raw("{")
            out.key("at", first: true); out.date(entry.at)
            out.key("kind"); out.string(entry.kind.rawValue)
            out.key("by"); out.string(entry.by)
            out.key("text"); out.string(entry.text)
            out.raw("}")
        }
        out.raw("]}")
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// The names `encode` writes, for the test that keeps it in step with `Incident`.
    static let incidentKeys: Set<String> = [
        "id", "dedupKey", "summary", "source", "severity", "urgency", "state", "service", "environment", "component", "group",
        "eventClass", "customDetails", "integration", "createdAt", "updatedAt", "acknowledgedBy", "acknowledgedAt", "resolvedBy",
        "resolvedAt", "snoozedUntil", "heldUntil", "escalationLevel", "escalationLoop", "nextEscalationAt", "paged", "nextPaged",
        "triggerCount", "timeline",
    ]
    static let timelineKeys: Set<String> = ["at", "kind", "by", "text"]

    private struct Writer {
        var bytes: [UInt8] = []

        mutating func raw(_ text: StaticString) {
            text.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        mutating func key(_ name: StaticString, first: Bool = false) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            bytes.append(UInt8(ascii: "\""))
            raw(name)
            bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }

        mutating func integer(_ value: Int64) {
            bytes.append(contentsOf: String(value).utf8)
        }

        /// `JSONEncoder`'s default for dates: seconds since 2001-01-01 as a number.
        mutating func date(_ value: Date) {
            bytes.append(contentsOf: value.timeIntervalSinceReferenceDate.description.utf8)
        }

        mutating func optional(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            key(name)
            string(value)
        }

        mutating func optional(_ name: StaticString, _ value: Date?) {
            guard let value else { return }
            key(name)
            date(value)
        }

        mutating func strings(_ values: [String]) {
            bytes.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                string(value)
            }
            bytes.append(UInt8(ascii: "]"))
        }

        mutating func string(_ value: String) {
            bytes.append(UInt8(ascii: "\""))
            // Most text needs no escaping: copied whole.
            if value.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
                bytes.append(contentsOf: value.utf8)
                bytes.append(UInt8(ascii: "\""))
                return
            }
            for byte in value.utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0..<0x20:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                              hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }
}
