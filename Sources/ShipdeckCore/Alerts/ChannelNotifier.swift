import AsyncHTTPClient
import Foundation
import NIOCore

/// Delivers pages for real: a channel's command runs with the alert as `SHIPDECK_ALERT_*`
/// environment variables (exit 0 is delivered), a webhook gets a Slack-compatible or a generic JSON
/// POST (2xx is delivered).
public struct ChannelNotifier: Notifier {
    let client: HTTPClient
    /// Seconds a command or a webhook may take.
    let timeout: Double
    /// Where commands run (the workspace folder).
    let directory: String?

    public init(client: HTTPClient = .shared, timeout: Double = 30, directory: String? = nil) {
        self.client = client
        self.timeout = timeout
        self.directory = directory
    }

    public func deliver(_ page: Page, via channel: ChannelConfig) async throws {
        if let command = channel.command {
            let result = await PluginRunner().run(command, environment: Self.environment(page), directory: directory, timeout: timeout, at: Date())
            guard result.status == .ok else {
                throw ShipdeckError(.io, "`\(command)` failed: \(result.output)", field: "alerts.channels.\(channel.name)")
            }
        } else if let url = channel.webhook {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "Shipdeck")
            request.body = .bytes(ByteBuffer(bytes: try Self.body(page, format: channel.format)))
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            _ = try? await response.body.collect(upTo: 64 << 10)
            guard (200..<300).contains(Int(response.status.code)) else {
                throw ShipdeckError(.io, "the webhook answered \(response.status.code)", field: "alerts.channels.\(channel.name)")
            }
        }
    }

    /// The alert's fields for a command.
    static func environment(_ page: Page) -> [String: String] {
        let incident = page.incident
        var variables = [
            "SHIPDECK_ALERT_ID": String(incident.id), "SHIPDECK_ALERT_KEY": incident.dedupKey, "SHIPDECK_ALERT_SUMMARY": incident.summary,
            "SHIPDECK_ALERT_SEVERITY": incident.severity.rawValue, "SHIPDECK_ALERT_URGENCY": incident.urgency.rawValue,
            "SHIPDECK_ALERT_STATE": incident.state.rawValue, "SHIPDECK_ALERT_SOURCE": incident.source,
            "SHIPDECK_ALERT_REASON": page.reason, "SHIPDECK_ALERT_PERSON": page.person, "SHIPDECK_ALERT_PERSON_NAME": page.name,
            "SHIPDECK_ALERT_LEVEL": String(incident.escalationLevel + 1),
        ]
        variables["SHIPDECK_ALERT_SERVICE"] = incident.service
        variables["SHIPDECK_ALERT_ENVIRONMENT"] = incident.environment
        variables["SHIPDECK_ALERT_PERSON_EMAIL"] = page.email
        return variables
    }

    /// What a webhook receives.
    static func body(_ page: Page, format: ChannelConfig.Format) throws -> Data {
        let incident = page.incident
        let title = "[\(incident.severity.rawValue.uppercased())] \(incident.number) \(incident.summary)"
        switch format {
        case .slack:
            let fields: [[String: Any]] = [
                ["title": "Service", "value": [incident.service, incident.environment].compactMap { $0 }.joined(separator: " / "), "short": true],
                ["title": "Urgency", "value": incident.urgency.rawValue, "short": true],
                ["title": "Paged", "value": "\(page.name) (\(page.reason))", "short": false],
            ]
            let color = incident.severity == .critical || incident.severity == .error ? "danger" : "warning"
            return try JSONSerialization.data(withJSONObject: [
                "text": title,
                "attachments": [["color": color, "fallback": title, "text": "source: \(incident.source) · key: \(incident.dedupKey)", "fields": fields]],
            ], options: [.sortedKeys])
        case .json:
            struct Generic: Encodable {
                var event: String
                var person: String
                var reason: String
                var incident: Incident
            }
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.sortedKeys]
            return try encoder.encode(Generic(event: "incident.\(incident.state.rawValue)", person: page.person, reason: page.reason, incident: incident))
        }
    }
}
