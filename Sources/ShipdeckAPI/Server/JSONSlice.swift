import Foundation

/// Finds a member's value in a JSON document as the sender wrote it, without decoding it: an Events
/// API event's `custom_details` is kept as JSON text, and turning it into values and back costs more
/// than the rest of the event. The document must already be known to be valid JSON.
struct JSONSlice {
    private let bytes: [UInt8]
    private var index = 0

    /// The text of the value at `path` (member names from the top-level object), without the
    /// whitespace between tokens, or nil.
    static func text(at path: [String], in document: Data) -> String? {
        var slice = JSONSlice(bytes: Array(document))
        guard let range = slice.find(path[...]) else { return nil }
        var compact: [UInt8] = []
        compact.reserveCapacity(range.count)
        var inString = false, escaped = false
        for byte in slice.bytes[range] {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                continue
            }
            compact.append(byte)
        }
        return String(decoding: compact, as: UTF8.self)
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    /// Walks the object at the current position for `path`'s first member; the last match wins, as
    /// with JSONDecoder.
    private mutating func find(_ path: ArraySlice<String>) -> Range<Int>? {
        guard let name = path.first else { return nil }
        skipSpace()
        guard peek == UInt8(ascii: "{") else { return nil }
        index += 1
        var found: Range<Int>?
        while true {
            skipSpace()
            if peek == UInt8(ascii: "}") || peek == nil { return found }
            guard let key = readString() else { return nil }
            skipSpace()
            guard peek == UInt8(ascii: ":") else { return nil }
            index += 1
            skipSpace()
            let start = index
            if key == name {
                if path.count == 1 {
                    guard skipValue() else { return nil }
                    found = start..<index
                } else {
                    var inner = self
                    found = inner.find(path.dropFirst()) ?? found
                    guard skipValue() else { return nil }
                }
            } else {
                guard skipValue() else { return nil }
            }
            skipSpace()
            if peek == UInt8(ascii: ",") { index += 1 }
        }
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    /// A string at the current position, unescaped (keys are compared as decoded).
    private mutating func readString() -> String? {
        let start = index
        guard skipString() else { return nil }
        let raw = bytes[start..<index]
        if !raw.contains(UInt8(ascii: "\\")) { return String(decoding: raw.dropFirst().dropLast(), as: UTF8.self) }
        return try? JSONDecoder().decode(String.self, from: Data(raw))
    }

    private mutating func skipString() -> Bool {
        guard peek == UInt8(ascii: "\"") else { return false }
        index += 1
        while let byte = peek {
            index += 1
            if byte == UInt8(ascii: "\\") { index += 1 } else if byte == UInt8(ascii: "\"") { return true }
        }
        return false
    }

    /// Skips one value: a string, an object or array (with what they hold), or a number, true, false, null.
    private mutating func skipValue() -> Bool {
        switch peek {
        case UInt8(ascii: "\""):
            return skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while let byte = peek {
                switch byte {
                case UInt8(ascii: "\""):
                    guard skipString() else { return false }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 {
                        index += 1
                        return true
                    }
                default:
                    break
                }
                index += 1
            }
            return false
        case nil:
            return false
        default:
            while let byte = peek, !(byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
                                     || byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09) {
                index += 1
            }
            return true
        }
    }
}
