import AsyncHTTPClient
import Foundation
@testable import ShipdeckAPI
import ShipdeckCore
import Testing

/// `POST /v2/enqueue`, PagerDuty's Events API v2: valid events become incidents, invalid ones are
/// refused in PagerDuty's words and shape, and the routing key (not the API token) authorizes.
@Suite(.serialized) struct EventsAPITests {
    static let routingKey = "R0UT1NGKEY0123456789abcdefABCDEF"

    /// A demo workspace whose `alerts:` section is replaced by one integration, `monitor` (service
    /// orders), so these tests do not depend on what the demo configures.
    static func workspace() async throws -> TestWorkspace {
        let workspace = try await TestWorkspace.make()
        let file = ShipdeckPaths.configFile(in: workspace.directory)
        var kept: [Substring] = []
        var inAlerts = false
        for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            if let first = line.first, !first.isWhitespace, first != "#" { inAlerts = line.hasPrefix("alerts:") }
            if !inAlerts { kept.append(line) }
        }
        let alerts = """
            alerts:
              integrations:
                monitor: {routing_key: \(routingKey), service: orders}

            """
        try (kept.joined(separator: "\n") + "\n" + alerts).write(to: file, atomically: true, encoding: .utf8)
        return workspace
    }

    static func post(_ host: CoreHost, _ json: String, token: String? = nil) async throws -> Reply {
        try await request(host.server.url + "/v2/enqueue", method: .POST, token: token, headers: [("Content-Type", "application/json")],
                          body: Data(json.utf8))
    }

    static func trigger(key: String?, summary: String = "DISK at 99% on db-1", severity: String = "critical") -> String {
        let dedup = key.map { #""dedup_key": "\#($0)", "# } ?? ""
        return #"{"routing_key": "\#(routingKey)", "event_action": "trigger", \#(dedup)"payload": {"summary": "\#(summary)", "source": "db-1.example.com", "severity": "\#(severity)"}}"#
    }

    static func incidents(_ host: CoreHost, key: String) async -> [Incident] {
        await host.core.snapshot().alerts.filter { $0.dedupKey == key }
    }

    @Test func aValidTriggerOpensAnIncidentAsTheIntegration() async throws {
        let workspace = try await Self.workspace()
        defer { workspace.cleanUp() }
        let host = try await workspace.startHost()
        let body = #"""
            {"routing_key": "\#(Self.routingKey)", "event_action": "trigger", "dedup_key": "db-1/disk",
             "client": "Sample Monitoring Service", "client_url": "https://monitoring.example.com",
             "images": [{"src": "https://example.com/chart.png"}], "links": [{"href": "https://example.com/", "text": "runbook"}],
             "payload": {"summary": "DISK at 99% on db-1", "source": "db-1.example.com", "severity": "warning",
                         "timestamp": "2015-07-17T08:42:58.315+0000", "component": "mysql", "group": "prod-datapipe", "class": "disk",
                         "custom_details": {"free space": "1%", "load avg": 0.75, "mounts": ["/", "/var"]}}}
            """#
        let reply = try await Self.post(host, body)
        let incidents = await Self.incidents(host, key: "db-1/disk")
        await host.stop()
        #expect(reply.status == 202)
        #expect(reply.text == #"{"dedup_key":"db-1/disk","message":"Event processed","status":"success"}"#, "\(reply.text)")
        #expect(try await openAPIViolations(reply.body, schema: "EnqueueReply") == "")
        let incident = try #require(incidents.first)
        #expect(incidents.count == 1)
        #expect(incident.state == .triggered && incident.triggerCount == 1)
        #expect(incident.summary == "DISK at 99% on db-1" && incident.source == "db-1.example.com" && incident.severity == .warning)
        #expect(incident.integration == "monitor" && incident.service == "orders")
        #expect(incident.component == "mysql" && incident.group == "prod-datapipe" && incident.eventClass == "disk")
        #expect(incident.customDetails == #"{"free space":"1%","load avg":0.75,"mounts":["/","/var"]}"#, "\(incident.customDetails ?? "nil")")
        #expect(incident.timeline.first?.by == "monitor")
        #expect(incident.timeline.first?.text.contains("2015-07-17T08:42:58Z") == true, "the sender's timestamp is kept: \(incident.timeline)")
    }

    @Test func triggersWithOneKeyAreAppendedAndAcknowledgeAndResolveFindItByKey() async throws {
        let workspace = try await Self.workspace()
        defer { workspace.cleanUp() }
        let host = try await workspace.startHost()
        let first = try await Self.post(host, Self.trigger(key: "orders/p99"))
        let second = try await Self.post(host, Self.trigger(key: "orders/p99", summary: "p99 still above 2 s"))
        let appended = await Self.incidents(host, key: "orders/p99")
        let ack = try await Self.post(host, #"{"routing_key": "\#(Self.routingKey)", "event_action": "acknowledge", "dedup_key": "orders/p99"}"#)
        let acknowledged = await Self.incidents(host, key: "orders/p99")
        let resolve = try await Self.post(host, #"{"routing_key": "\#(Self.routingKey)", "event_action": "resolve", "dedup_key": "orders/p99"}"#)
        let resolved = await Self.incidents(host, key: "orders/p99")
        // A later trigger with the same key opens a new incident; resolving a key with nothing open is dropped (202).
        let again = try await Self.post(host, Self.trigger(key: "orders/p99"))
        let reopened = await Self.incidents(host, key: "orders/p99")
        let nothingOpen = try await Self.post(host, #"{"routing_key": "\#(Self.routingKey)", "event_action": "resolve", "dedup_key": "never-triggered"}"#)
        let escaped = try await Self.post(host, Self.trigger(key: #"say \"hi\" \\ now"#))
        let generated = try await Self.post(host, Self.trigger(key: nil))
        let generatedKey = try APIDocuments.decoder().decode(APIDocuments.EnqueueReply.self, from: generated.body).dedupKey
        let withGeneratedKey = await Self.incidents(host, key: generatedKey)
        let metrics = try await request(host.server.url + "/metrics", token: workspace.token)
        await host.stop()
        let statuses: [Int] = [first, second, ack, resolve, again, nothingOpen, generated].map(\.status)
        #expect(statuses.allSatisfy { $0 == 202 }, "\(statuses)")
        #expect(appended.count == 1 && appended.first?.triggerCount == 2, "\(appended)")
        #expect(appended.first?.timeline.contains { $0.kind == .retrigger && $0.text.contains("p99 still above 2 s") } == true)
        #expect(acknowledged.first?.state == .acknowledged && acknowledged.first?.acknowledgedBy == "monitor")
        #expect(resolved.first?.state == .resolved && resolved.first?.resolvedBy == "monitor")
        #expect(reopened.count == 2 && reopened.filter(\.isOpen).count == 1 && reopened.first { $0.isOpen }?.triggerCount == 1)
        #expect(try APIDocuments.decoder().decode(APIDocuments.EnqueueReply.self, from: nothingOpen.body).dedupKey == "never-triggered")
        #expect(generatedKey.count == 32 && withGeneratedKey.count == 1)
        #expect(try APIDocuments.decoder().decode(APIDocuments.EnqueueReply.self, from: escaped.body).dedupKey == #"say "hi" \ now"#)
        #expect(try await openAPIViolations(escaped.body, schema: "EnqueueReply") == "")
        #expect(metrics.text.contains(#"shipdeck_alerts_events_total{integration="monitor",action="trigger"} 5"#), "\(metrics.text)")
        #expect(metrics.text.contains(#"shipdeck_alerts_events_total{integration="monitor",action="resolve"} 2"#))
        #expect(metrics.text.contains(#"shipdeck_api_requests_total{method="POST",route="/v2/enqueue",status="202"} 8"#))
    }

    /// A monitor bursting on parallel connections: every trigger with one key lands in one incident.
    @Test func concurrentTriggersWithOneKeyMakeOneIncident() async throws {
        let workspace = try await Self.workspace()
        defer { workspace.cleanUp() }
        let host = try await workspace.startHost()
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<40 {
                group.addTask { try await Self.post(host, Self.trigger(key: "burst/\(index % 2)")).status }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        let first = await Self.incidents(host, key: "burst/0")
        let second = await Self.incidents(host, key: "burst/1")
        await host.stop()
        #expect(statuses.allSatisfy { $0 == 202 }, "\(statuses)")
        #expect(first.map(\.triggerCount) == [20], "\(first.map { ($0.id, $0.triggerCount) })")
        #expect(second.map(\.triggerCount) == [20], "\(second.map { ($0.id, $0.triggerCount) })")
    }

    @Test func invalidEventsAreRefusedInPagerDutysWords() async throws {
        let workspace = try await Self.workspace()
        defer { workspace.cleanUp() }
        let host = try await workspace.startHost()
        let key = Self.routingKey
        let cases: [(name: String, body: String, errors: [String])] = [
            ("missing summary", #"{"routing_key": "\#(key)", "event_action": "trigger", "payload": {"source": "db-1", "severity": "error"}}"#,
             ["'payload.summary' is missing or blank"]),
            ("blank summary", #"{"routing_key": "\#(key)", "event_action": "trigger", "payload": {"summary": "  ", "source": "db-1", "severity": "error"}}"#,
             ["'payload.summary' is missing or blank"]),
            ("bad severity", Self.trigger(key: "k", severity: "fatal"),
             ["'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')"]),
            ("summary too long", Self.trigger(key: "k", summary: String(repeating: "x", count: 1025)),
             ["'payload.summary' is too long (maximum is 1024 characters)"]),
            ("no payload", #"{"routing_key": "\#(key)", "event_action": "trigger"}"#, ["'payload' is missing or is not an object"]),
            ("missing source and severity", #"{"routing_key": "\#(key)", "event_action": "trigger", "payload": {"summary": "s"}}"#,
             ["'payload.source' is missing or blank", "'payload.severity' is missing or blank"]),
            ("resolve without dedup_key", #"{"routing_key": "\#(key)", "event_action": "resolve"}"#, ["'dedup_key' is missing or blank"]),
            ("acknowledge with a blank dedup_key", #"{"routing_key": "\#(key)", "event_action": "acknowledge", "dedup_key": ""}"#,
             ["'dedup_key' is missing or blank"]),
            ("dedup_key too long", #"{"routing_key": "\#(key)", "event_action": "resolve", "dedup_key": "\#(String(repeating: "k", count: 256))"}"#,
             ["'dedup_key' is too long (maximum is 255 characters)"]),
            ("bad event_action", #"{"routing_key": "\#(key)", "event_action": "escalate", "dedup_key": "k"}"#,
             ["'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')"]),
            ("missing event_action", #"{"routing_key": "\#(key)", "dedup_key": "k"}"#, ["'event_action' is missing or blank"]),
            ("short routing key with symbols", #"{"routing_key": "e+23rsch-qsESqk9Q6", "event_action": "resolve", "dedup_key": "k"}"#,
             ["Length of 'routing_key' is incorrect (should be 32 characters)", "'routing_key' cannot contain non-alphanumeric characters."]),
            ("missing routing key", #"{"event_action": "resolve", "dedup_key": "k"}"#, ["'routing_key' is missing or blank"]),
            ("unknown routing key", #"{"routing_key": "00000000000000000000000000000000", "event_action": "resolve", "dedup_key": "k"}"#,
             [EnqueueEvent.unknownRoutingKeyError]),
        ]
        var replies: [(String, Reply)] = []
        for (name, body, _) in cases { replies.append((name, try await Self.post(host, body))) }
        let notJSON = try await Self.post(host, "routing_key=\(key)&event_action=trigger")
        let array = try await Self.post(host, "[]")
        let metrics = try await request(host.server.url + "/metrics", token: workspace.token)
        let alerts = await host.core.snapshot().alerts
        await host.stop()
        for ((name, reply), expected) in zip(replies, cases.map(\.errors)) {
            #expect(reply.status == 400, "\(name)")
            let error = try APIDocuments.decoder().decode(APIDocuments.EnqueueError.self, from: reply.body)
            #expect(error == .invalid(expected), "\(name): \(reply.text)")
            #expect(try await openAPIViolations(reply.body, schema: "EnqueueError") == "", "\(name)")
        }
        for reply in [notJSON, array] {
            #expect(reply.status == 400)
            #expect(reply.text == #"{"errors":["JSON parse error"],"message":"Event object format is unrecognized","status":"Unrecognized object"}"#, "\(reply.text)")
            #expect(try await openAPIViolations(reply.body, schema: "EnqueueError") == "")
        }
        #expect(alerts.filter { $0.integration == "monitor" }.isEmpty, "nothing invalid became an incident")
        #expect(metrics.text.contains("shipdeck_alerts_unknown_routing_keys_total 1"), "\(metrics.text)")
        #expect(metrics.text.contains("shipdeck_alerts_events_rejected_total \(cases.count + 1)"))
    }

    @Test func onlyTheEventsAPIGoesWithoutTheToken() async throws {
        let workspace = try await Self.workspace()
        defer { workspace.cleanUp() }
        let host = try await workspace.startHost()
        let url = host.server.url
        let anonymous = try await Self.post(host, Self.trigger(key: "a"))
        let wrongToken = try await Self.post(host, Self.trigger(key: "a"), token: "not-the-token")
        let getEnqueue = try await request(url + "/v2/enqueue", token: nil)
        let snapshot = try await request(url + "/v1/snapshot", token: nil)
        let command = try await request(url + "/v1/commands", method: .POST, token: nil, headers: [(APIDocuments.personHeader, "fay")],
                                        body: try APIDocuments.encoder().encode(APIDocuments.CommandRequest(command: .acknowledgeIncident(id: 1))))
        let heartbeat = try await request(url + "/v1/heartbeats", method: .POST, token: nil, body: Data(#"{"service":"orders","environment":"test"}"#.utf8))
        await host.stop()
        #expect(anonymous.status == 202 && wrongToken.status == 202, "the routing key authorizes, a token is neither needed nor checked")
        for reply in [getEnqueue, snapshot, command, heartbeat] {
            #expect(reply.status == 401, "\(reply.text)")
        }
    }

    @Test func enqueueDocumentsMatchTheSpec() async throws {
        let trigger = APIDocuments.EnqueueRequest(
            routingKey: Self.routingKey, eventAction: "trigger", dedupKey: "db-1/disk",
            payload: .init(summary: "DISK at 99%", source: "db-1", severity: "critical", timestamp: "2026-01-01T10:00:00Z", component: "mysql",
                           group: "db", eventClass: "disk", customDetails: .object(["free": .string("1%"), "load": .number(0.75)])),
            client: "grafana", clientURL: "https://grafana.example.com")
        #expect(try await openAPIViolations(try APIDocuments.encoder().encode(trigger), schema: "EnqueueRequest") == "")
        let resolve = APIDocuments.EnqueueRequest(routingKey: Self.routingKey, eventAction: "resolve", dedupKey: "db-1/disk")
        #expect(try await openAPIViolations(try APIDocuments.encoder().encode(resolve), schema: "EnqueueRequest") == "")
        let bad = APIDocuments.EnqueueRequest(routingKey: "short", eventAction: "page")
        #expect(try await openAPIViolations(try APIDocuments.encoder().encode(bad), schema: "EnqueueRequest") != "")
        #expect(try await openAPIViolations(try APIDocuments.encoder().encode(APIDocuments.EnqueueReply(dedupKey: "k")), schema: "EnqueueReply") == "")
        // Timestamps as monitors write them.
        for text in ["2015-07-17T08:42:58.315+0000", "2015-07-17T08:42:58Z", "2015-07-17T10:42:58+02:00", "2015-07-17T08:42:58.315Z"] {
            let date = try #require(EnqueueEvent.parseTimestamp(text), "\(text)")
            #expect(abs(date.timeIntervalSince1970 - 1_437_122_578) < 1, "\(text)")
        }
        #expect(EnqueueEvent.parseTimestamp("yesterday") == nil)
    }

    @Test func customDetailsAreKeptAsTheSenderWroteThem() {
        let body = Data(#"""
            {"payload": {"summary": "s", "custom_details": "shadowed",
                         "note": "a } ] \" , string", "custom_details": {"a \"q\"": [1, 2.50, {"x": "} ,"}], "b": null, "c": true}},
             "custom_details": "top level", "routing_key": "k"}
            """#.utf8)
        #expect(JSONSlice.text(at: ["payload", "custom_details"], in: body) == #"{"a \"q\"":[1,2.50,{"x":"} ,"}],"b":null,"c":true}"#)
        #expect(JSONSlice.text(at: ["custom_details"], in: body) == #""top level""#)
        #expect(JSONSlice.text(at: ["routing_key"], in: body) == #""k""#)
        #expect(JSONSlice.text(at: ["payload", "missing"], in: body) == nil)
        #expect(JSONSlice.text(at: ["payload", "custom_details"], in: Data(#"{"payload": {"custom_details": 42 }}"#.utf8)) == "42")
        #expect(JSONSlice.text(at: ["payload", "custom_details"], in: Data(#"{"payload": [1]}"#.utf8)) == nil)
    }
}
