import Foundation

/// Server-Sent Events framing (the `text/event-stream` format): `id:`, `event:`, `data:` lines,
/// a blank line ending each event, and `:` comment lines as keep-alives.
public enum ServerSentEvents {
    public struct Message: Sendable, Equatable {
        public var id: String?
        public var event: String?
        public var data: String
        public init(id: String?, event: String?, data: String) {
            self.id = id
            self.event = event
            self.data = data
        }
    }

    public static func encode(_ message: Message) -> String {
        var text = ""
        if let id = message.id { text += "id: \(id)\n" }
        if let event = message.event { text += "event: \(event)\n" }
        for line in message.data.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        return text + "\n"
    }

    /// Incremental parser: feed it bytes as they arrive, collect complete messages.
    public struct Parser: Sendable {
        private var buffer: [UInt8] = []
        private var id: String?
        private var event: String?
        private var data: [String] = []

        public init() {}

        public mutating func feed(_ bytes: some Sequence<UInt8>) -> [Message] {
            buffer.append(contentsOf: bytes)
            var messages: [Message] = []
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                if line.hasSuffix("\r") { line.removeLast() }
                if line.isEmpty {
                    if !data.isEmpty { messages.append(Message(id: id, event: event, data: data.joined(separator: "\n"))) }
                    (event, data) = (nil, [])
                    continue
                }
                if line.hasPrefix(":") { continue }
                let field: Substring, value: Substring
                if let colon = line.firstIndex(of: ":") {
                    field = line[..<colon]
                    var rest = line[line.index(after: colon)...]
                    if rest.first == " " { rest = rest.dropFirst() }
                    value = rest
                } else {
                    (field, value) = (Substring(line), "")
                }
                switch field {
                case "id": id = String(value)
                case "event": event = String(value)
                case "data": data.append(String(value))
                default: break
                }
            }
            return messages
        }
    }
}
