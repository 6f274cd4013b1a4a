import Foundation
import ShipdeckCore

/// The JSON bodies the API sends and receives (see openapi/shipdeck.yaml).
public enum APIDocuments {
    /// The body of every error response: the same sentence the CLI and the dashboard print.
    public struct ErrorBody: Codable, Sendable, Equatable {
        public var error: String
        public var message: String
        public var field: String?
        public var hint: String?
        public var kind: String

        public init(_ error: ShipdeckError) {
            self.error = error.description
            self.message = error.message
            self.field = error.field
            self.hint = error.hint
            self.kind = error.kind.rawValue
        }

        public var shipdeckError: ShipdeckError {
            ShipdeckError(ShipdeckError.Kind(rawValue: kind) ?? .invalid, message, field: field, hint: hint)
        }
    }

    /// `POST /v1/commands`.
    public struct CommandRequest: Codable, Sendable, Equatable {
        public var command: CoreCommand
        public init(command: CoreCommand) { self.command = command }
    }

    /// `GET /healthz`.
    public struct Liveness: Codable, Sendable, Equatable {
        public var status: String
        public var workspace: String
        public var pid: Int32
    }

    /// The header that names the acting person on every request.
    /// `POST /v1/checks/results`: a passive result. `status` is `ok`/`warning`/`critical`/`unknown`
    /// (any case) or the plugin exit code 0–3.
    public struct CheckResultRequest: Codable, Sendable, Equatable {
        public var service: String
        public var environment: String
        public var instance: String?
        public var status: CheckStatus
        public var output: String?

        public init(service: String, environment: String, instance: String?, status: CheckStatus, output: String?) {
            self.service = service
            self.environment = environment
            self.instance = instance
            self.status = status
            self.output = output
        }

        enum CodingKeys: String, CodingKey { case service, environment, instance, status, output }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            service = try container.decode(String.self, forKey: .service)
            environment = try container.decode(String.self, forKey: .environment)
            instance = try container.decodeIfPresent(String.self, forKey: .instance)
            output = try container.decodeIfPresent(String.self, forKey: .output)
            if let code = try? container.decode(Int.self, forKey: .status) {
                guard let status = CheckStatus(rawValue: code) else {
                    throw DecodingError.dataCorruptedError(forKey: .status, in: container, debugDescription: "status \(code) is not 0, 1, 2 or 3")
                }
                self.status = status
            } else {
                let text = try container.decode(String.self, forKey: .status)
                guard let status = CheckStatus.allCases.first(where: { $0.label == text.uppercased() }) else {
                    throw DecodingError.dataCorruptedError(forKey: .status, in: container,
                                                           debugDescription: "status '\(text)' is not ok, warning, critical or unknown")
                }
                self.status = status
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(service, forKey: .service)
            try container.encode(environment, forKey: .environment)
            try container.encodeIfPresent(instance, forKey: .instance)
            try container.encode(status.label.lowercased(), forKey: .status)
            try container.encodeIfPresent(output, forKey: .output)
        }
    }

    /// `POST /v1/heartbeats`: an OK passive result.
    public struct HeartbeatRequest: Codable, Sendable, Equatable {
        public var service: String
        public var environment: String
        public var instance: String?
        public var output: String?

        public init(service: String, environment: String, instance: String? = nil, output: String? = nil) {
            self.service = service
            self.environment = environment
            self.instance = instance
            self.output = output
        }
    }

    /// The reply to a passive result or heartbeat.
    public struct CheckResultReply: Codable, Sendable, Equatable {
        public var status = "ok"
        public var applied: [String]

        public init(applied: [String]) { self.applied = applied }
    }

    public static let personHeader = "X-Shipdeck-Person"

    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
