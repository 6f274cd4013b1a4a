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
