/// What a health endpoint's JSON body says: its top-level `status` and the dependencies that are not OK.
///
/// Reads the common shapes without building a JSON tree:
/// - `{"status": "warning"}`
/// - `{"status": "warning", "checks": {"db": {"status": "critical"}}}` (also `components`, and a
///   dependency's value may be a status string or, as in the IETF health-check draft, an array of
///   objects with a `status`, of which the worst counts)
/// - `{"status": "warning", "dependencies": [{"name": "db", "status": "critical"}]}` (the name may
///   also be `id`, `component` or `componentId`)
///
/// A body that is not one valid JSON object gives nil, as does the whole check of a body that
/// `JSONSerialization` would reject.
struct HealthBody: Equatable {
    /// The top-level `status` when it is a string.
    var status: String?
    /// Dependencies whose status is not OK, in body order, with the status text as written.
    var problems: [Dependency] = []

    struct Dependency: Equatable {
        var name: String
        var status: String
    }

    /// Parses a body; nil when it is not a JSON object.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> HealthBody? {
        var scanner = JSONScanner(bytes)
        var body = HealthBody()
        guard scanner.peek() == UInt8(ascii: "{") else { return nil }
        let valid = scanner.members { scanner, key in
            switch key {
            case "status":
                if scanner.peek() == UInt8(ascii: "\"") {
                    guard let text = scanner.string() else { return false }
                    body.status = text
                    return true
                }
                return scanner.skipValue()
            case "checks", "dependencies", "components":
                return scanner.dependencies(into: &body.problems)
            default:
                return scanner.skipValue()
            }
        }
        guard valid, scanner.peek() == nil else { return nil }
        return body
    }

    /// The check status a status text stands for: `ok`, `warning`/`warn`, `unknown`, anything else
    /// CRITICAL (case-insensitive).
    static func checkStatus(_ text: String) -> CheckStatus {
        var text = text
        return text.withUTF8 { bytes in
            if bytes.equalsIgnoringCase("ok") { return .ok }
            if bytes.equalsIgnoringCase("warning") || bytes.equalsIgnoringCase("warn") { return .warning }
            if bytes.equalsIgnoringCase("unknown") { return .unknown }
            return .critical
        }
    }

    /// Worse first: CRITICAL, UNKNOWN, WARNING, OK (Nagios' summary order).
    static func severity(_ status: CheckStatus) -> Int {
        switch status {
        case .ok: 0
        case .warning: 1
        case .unknown: 2
        case .critical: 3
        }
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// ASCII case-insensitive comparison with a lowercase literal.
    func equalsIgnoringCase(_ lowercase: StaticString) -> Bool {
        UnsafeRawBufferPointer(self).equalsIgnoringCase(lowercase)
    }
}

/// A validating, allocation-light JSON reader over bytes: it walks values and decodes only the
/// strings asked for.
struct JSONScanner {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private var depth = 0
    private static let maxDepth = 256

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The next byte after white space, without consuming it; nil at the end.
    mutating func peek() -> UInt8? {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return bytes[index]
            }
        }
        return nil
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    /// Reads an object, calling `member` with each key while positioned at its value; `member`
    /// consumes the value and returns whether it was valid.
    mutating func members(_ member: (inout JSONScanner, String) -> Bool) -> Bool {
        guard depth < Self.maxDepth, consume(UInt8(ascii: "{")) else { return false }
        depth += 1
        defer { depth -= 1 }
        if consume(UInt8(ascii: "}")) { return true }
        while true {
            guard peek() == UInt8(ascii: "\""), let key = string(), consume(UInt8(ascii: ":")), member(&self, key) else { return false }
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}"))
        }
    }

    /// Reads an array, calling `element` at each element; `element` consumes it.
    mutating func elements(_ element: (inout JSONScanner) -> Bool) -> Bool {
        guard depth < Self.maxDepth, consume(UInt8(ascii: "[")) else { return false }
        depth += 1
        defer { depth -= 1 }
        if consume(UInt8(ascii: "]")) { return true }
        while true {
            guard element(&self) else { return false }
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "]"))
        }
    }

    /// Skips one value of any kind, checking its syntax.
    mutating func skipValue() -> Bool {
        guard let next = peek() else { return false }
        switch next {
        case UInt8(ascii: "{"): return members { scanner, _ in scanner.skipValue() }
        case UInt8(ascii: "["): return elements { $0.skipValue() }
        case UInt8(ascii: "\""): return scanString(decode: false) != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return false
        }
    }

    /// Reads a string value; nil when the next value is not a valid string.
    mutating func string() -> String? {
        scanString(decode: true)
    }

    /// A dependency's status text: a string, an object's `status`, or the worst `status` in an array of objects.
    mutating func dependencyStatus() -> (valid: Bool, status: String?) {
        switch peek() {
        case UInt8(ascii: "\""):
            let text = string()
            return (text != nil, text)
        case UInt8(ascii: "{"):
            var status: String?
            let valid = members { scanner, key in
                guard key == "status", scanner.peek() == UInt8(ascii: "\"") else { return scanner.skipValue() }
                status = scanner.string()
                return status != nil
            }
            return (valid, status)
        case UInt8(ascii: "["):
            var worst: String?
            let valid = elements { scanner in
                guard scanner.peek() == UInt8(ascii: "{") else { return scanner.skipValue() }
                let (valid, status) = scanner.dependencyStatus()
                if let status, worst.map({ Self.rank(status) > Self.rank($0) }) ?? true { worst = status }
                return valid
            }
            return (valid, worst)
        default:
            return (skipValue(), nil)
        }
    }

    private static func rank(_ text: String) -> Int { HealthBody.severity(HealthBody.checkStatus(text)) }

    /// Reads a `checks` / `components` object or a `dependencies` array and appends the non-OK ones.
    mutating func dependencies(into problems: inout [HealthBody.Dependency]) -> Bool {
        switch peek() {
        case UInt8(ascii: "{"):
            return members { scanner, name in
                let (valid, status) = scanner.dependencyStatus()
                if let status, HealthBody.checkStatus(status) != .ok { problems.append(.init(name: name, status: status)) }
                return valid
            }
        case UInt8(ascii: "["):
            var position = 0
            return elements { scanner in
                position += 1
                guard scanner.peek() == UInt8(ascii: "{") else { return scanner.skipValue() }
                var name: String?
                var status: String?
                let valid = scanner.members { scanner, key in
                    guard scanner.peek() == UInt8(ascii: "\"") else { return scanner.skipValue() }
                    switch key {
                    case "name", "id", "component", "componentId":
                        if name == nil || key == "name" { name = scanner.string(); return name != nil }
                        return scanner.skipValue()
                    case "status":
                        status = scanner.string()
                        return status != nil
                    default:
                        return scanner.skipValue()
                    }
                }
                if let status, HealthBody.checkStatus(status) != .ok {
                    problems.append(.init(name: name ?? "#\(position)", status: status))
                }
                return valid
            }
        default:
            return skipValue()
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    private mutating func digits() -> Int {
        let start = index
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
        return index - start
    }

    private mutating func number() -> Bool {
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return false
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return false }
        }
        return true
    }

    /// Reads a string at the cursor; with `decode` false returns "" on success without building it.
    private mutating func scanString(decode: Bool) -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        var escaped = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let end = index
                index += 1
                guard decode else { return "" }
                if !escaped { return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self) }
                return Self.unescape(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
            }
            if byte < 0x20 { return nil }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                guard index + 1 < bytes.count else { return nil }
                switch bytes[index + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 2
                case UInt8(ascii: "u"):
                    guard index + 6 <= bytes.count, Self.hex4(bytes, at: index + 2) != nil else { return nil }
                    index += 6
                default:
                    return nil
                }
                continue
            }
            index += 1
        }
        return nil
    }

    private static func hex4(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt16? {
        guard offset + 4 <= bytes.count else { return nil }
        var value: UInt16 = 0
        for position in offset..<offset + 4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Decodes a validated string body with escapes (surrogate pairs joined, lone ones replaced).
    private static func unescape(_ raw: UnsafeRawBufferPointer) -> String {
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        func flush() {
            if !utf8.isEmpty { scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars); utf8.removeAll() }
        }
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\") else { utf8.append(byte); index += 1; continue }
            let kind = raw[index + 1]
            index += 2
            switch kind {
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                let unit = hex4(raw, at: index) ?? 0xFFFD
                index += 4
                flush()
                if (0xD800..<0xDC00).contains(unit), index + 6 <= raw.count, raw[index] == UInt8(ascii: "\\"),
                   raw[index + 1] == UInt8(ascii: "u"), let low = hex4(raw, at: index + 2), (0xDC00..<0xE000).contains(low) {
                    index += 6
                    let value = 0x10000 + (UInt32(unit - 0xD800) << 10) + UInt32(low - 0xDC00)
                    scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                } else {
                    scalars.append(Unicode.Scalar(UInt32(unit)) ?? "\u{FFFD}")
                }
            default: utf8.append(kind)  // " \ /
            }
        }
        flush()
        return String(scalars)
    }
}
