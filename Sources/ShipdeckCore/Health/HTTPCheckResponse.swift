import NIOCore

/// An HTTP/1.1 response as a health check reads it.
struct CheckResponse {
    var code: Int
    /// The body, or its first `maxBody` bytes when `truncated`.
    var body: ByteBuffer
    /// Whether the connection may carry the next request (no `Connection: close`, framing known,
    /// nothing left unread).
    var keepAlive: Bool
    /// The body was longer than the limit and was not read to its end.
    var truncated: Bool
}

/// Reads one HTTP/1.x response from the bytes of a connection: the status line, the headers it
/// needs (`Content-Length`, `Transfer-Encoding: chunked`, `Connection`), and the body by length,
/// in chunks, or until the peer closes. Interim 1xx responses are skipped.
struct CheckResponseParser {
    enum Step {
        case needMore
        case done(CheckResponse)
        case invalid(String)
    }

    private enum State {
        case head
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailers
        case untilClose
    }

    static let maxHead = 16 * 1024
    let maxBody: Int
    private var state = State.head
    private var code = 0
    private var keepAlive = true
    private var body: ByteBuffer?
    private var truncated = false

    init(maxBody: Int) { self.maxBody = maxBody }

    /// Whether no byte of a response has been consumed yet.
    var atStart: Bool {
        if case .head = state, code == 0 { return true }
        return false
    }

    /// Consumes what it can from `buffer`; on `.needMore` the unread rest is an incomplete line or
    /// head that the caller must keep and feed again with what follows.
    mutating func feed(_ buffer: inout ByteBuffer) -> Step {
        while true {
            switch state {
            case .head:
                guard let end = Self.headEnd(buffer) else {
                    return buffer.readableBytes > Self.maxHead ? .invalid("response head over 16 KiB") : .needMore
                }
                if let problem = parseHead(buffer.readSlice(length: end)!) { return .invalid(problem) }
                if (100..<200).contains(code) {
                    guard code != 101 else { return .invalid("unexpected 101 Switching Protocols") }
                    code = 0
                    keepAlive = true
                    continue
                }
            case .fixed(let remaining):
                if remaining == 0 { return finish() }
                guard buffer.readableBytes > 0 else { return .needMore }
                let take = min(remaining, buffer.readableBytes)
                if append(buffer.readSlice(length: take)!) { return finish() }
                state = .fixed(remaining: remaining - take)
            case .chunkSize:
                guard let line = Self.line(buffer) else {
                    return buffer.readableBytes > 1024 ? .invalid("chunk size line over 1 KiB") : .needMore
                }
                guard let size = Self.chunkSize(buffer, length: line.content) else { return .invalid("bad chunk size") }
                buffer.moveReaderIndex(forwardBy: line.total)
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                guard buffer.readableBytes > 0 else { return .needMore }
                let take = min(remaining, buffer.readableBytes)
                if append(buffer.readSlice(length: take)!) { return finish() }
                state = remaining == take ? .chunkEnd : .chunkData(remaining: remaining - take)
            case .chunkEnd:
                guard let line = Self.line(buffer) else {
                    return buffer.readableBytes >= 2 ? .invalid("chunk not followed by CRLF") : .needMore
                }
                guard line.content == 0 else { return .invalid("chunk longer than its size") }
                buffer.moveReaderIndex(forwardBy: line.total)
                state = .chunkSize
            case .trailers:
                guard let line = Self.line(buffer) else {
                    return buffer.readableBytes > Self.maxHead ? .invalid("trailers over 16 KiB") : .needMore
                }
                buffer.moveReaderIndex(forwardBy: line.total)
                if line.content == 0 { return finish() }
            case .untilClose:
                guard buffer.readableBytes > 0 else { return .needMore }
                if append(buffer.readSlice(length: buffer.readableBytes)!) { return finish() }
                return .needMore
            }
        }
    }

    /// The peer closed the connection: completes a body read until close; anything else is cut.
    mutating func endOfStream() -> Step {
        if case .untilClose = state { return finish() }
        return .invalid(atStart ? "connection closed before a response" : "connection closed mid-response")
    }

    /// Appends body bytes up to the limit; true when the limit was passed (the body is cut there).
    private mutating func append(_ slice: ByteBuffer) -> Bool {
        var slice = slice
        let room = maxBody - (body?.readableBytes ?? 0)
        if slice.readableBytes > room {
            slice = slice.getSlice(at: slice.readerIndex, length: room)!
            truncated = true
        }
        if body == nil { body = slice } else { body!.writeBuffer(&slice) }
        return truncated
    }

    private mutating func finish() -> Step {
        let response = CheckResponse(code: code, body: body ?? ByteBuffer(), keepAlive: keepAlive && !truncated, truncated: truncated)
        self = CheckResponseParser(maxBody: maxBody)
        return .done(response)
    }

    // MARK: Head

    /// The length of the head including its blank line, or nil while incomplete.
    private static func headEnd(_ buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            var index = 0
            while index < bytes.count {
                if bytes[index] == 0x0A {
                    // "\n\n" or "\n\r\n" ends the head.
                    if index + 1 < bytes.count, bytes[index + 1] == 0x0A { return index + 2 }
                    if index + 2 < bytes.count, bytes[index + 1] == 0x0D, bytes[index + 2] == 0x0A { return index + 3 }
                }
                index += 1
            }
            return nil
        }
    }

    /// Reads the status line and headers; returns a problem or nil.
    private mutating func parseHead(_ head: ByteBuffer) -> String? {
        head.withUnsafeReadableBytes { bytes -> String? in
            // "HTTP/1.1 200 OK"
            guard bytes.count >= 12, bytes[0] == 0x48, bytes[1] == 0x54, bytes[2] == 0x54, bytes[3] == 0x50, bytes[4] == 0x2F,
                  bytes[5] == UInt8(ascii: "1"), bytes[6] == UInt8(ascii: "."), bytes[8] == 0x20 else {
                return "not an HTTP/1.x response"
            }
            let minor = bytes[7]
            var value = 0
            for index in 9..<12 {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return "bad status code" }
                value = value * 10 + Int(digit)
            }
            guard value >= 100, bytes[12] == 0x20 || bytes[12] == 0x0D || bytes[12] == 0x0A else { return "bad status code" }
            code = value
            keepAlive = minor != UInt8(ascii: "0")
            var contentLength: Int?
            var chunked = false
            var explicitKeepAlive = false
            var index = 12
            while bytes[index] != 0x0A { index += 1 }
            index += 1
            while index < bytes.count {
                var end = index
                while bytes[end] != 0x0A { end += 1 }
                let next = end + 1
                if end > index, bytes[end - 1] == 0x0D { end -= 1 }
                if end == index { break }
                guard let colon = (index..<end).first(where: { bytes[$0] == UInt8(ascii: ":") }) else { return "bad header line" }
                var valueStart = colon + 1
                while valueStart < end, bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09 { valueStart += 1 }
                var valueEnd = end
                while valueEnd > valueStart, bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09 { valueEnd -= 1 }
                let name = UnsafeRawBufferPointer(rebasing: bytes[index..<colon])
                let field = UnsafeRawBufferPointer(rebasing: bytes[valueStart..<valueEnd])
                switch colon - index {
                case 14 where Self.equal(name, "content-length"):
                    guard let length = Self.decimal(field), contentLength == nil || contentLength == length else {
                        return "bad Content-Length"
                    }
                    contentLength = length
                case 17 where Self.equal(name, "transfer-encoding"):
                    guard Self.lastToken(field, is: "chunked") else { return "unsupported Transfer-Encoding" }
                    chunked = true
                case 10 where Self.equal(name, "connection"):
                    if Self.hasToken(field, "close") { keepAlive = false }
                    if Self.hasToken(field, "keep-alive") { explicitKeepAlive = true }
                default:
                    break
                }
                index = next
            }
            if minor == UInt8(ascii: "0") && explicitKeepAlive && contentLength != nil && !chunked { keepAlive = true }
            if code < 200 { return nil }
            if code == 204 || code == 304 {
                state = .fixed(remaining: 0)
            } else if chunked {
                // A length beside chunked framing is ignored, and the connection is not trusted further.
                if contentLength != nil { keepAlive = false }
                state = .chunkSize
            } else if let contentLength {
                state = .fixed(remaining: contentLength)
            } else {
                keepAlive = false
                state = .untilClose
            }
            return nil
        }
    }

    /// A line at the reader index: its length without the line end, and with it; nil when incomplete.
    private static func line(_ buffer: ByteBuffer) -> (content: Int, total: Int)? {
        buffer.withUnsafeReadableBytes { bytes -> (Int, Int)? in
            guard let newline = bytes.firstIndex(of: 0x0A) else { return nil }
            let content = newline > 0 && bytes[newline - 1] == 0x0D ? newline - 1 : newline
            return (content, newline + 1)
        }
    }

    /// The hex size at the start of a chunk-size line (extensions after `;` ignored).
    private static func chunkSize(_ buffer: ByteBuffer, length: Int) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            var size = 0
            var digits = 0
            for index in 0..<length {
                let byte = bytes[index]
                let digit: Int
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = Int(byte - UInt8(ascii: "a")) + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = Int(byte - UInt8(ascii: "A")) + 10
                case UInt8(ascii: ";"), 0x20, 0x09:
                    return digits > 0 ? size : nil
                default: return nil
                }
                digits += 1
                guard digits <= 8 else { return nil }
                size = size << 4 | digit
            }
            return digits > 0 ? size : nil
        }
    }

    private static func equal(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        bytes.withMemoryRebound(to: UInt8.self) { $0.equalsIgnoringCase(lowercase) }
    }

    private static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 12 else { return nil }
        var value = 0
        for byte in bytes {
            let digit = byte &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }

    /// The comma-separated tokens of a header value, trimmed.
    private static func tokens(_ bytes: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer] {
        bytes.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true).map { token in
            var start = token.startIndex
            var end = token.endIndex
            while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
            while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
            return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        }
    }

    private static func hasToken(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        if equal(bytes, lowercase) { return true }
        guard bytes.contains(UInt8(ascii: ",")) else { return false }
        return tokens(bytes).contains { equal($0, lowercase) }
    }

    private static func lastToken(_ bytes: UnsafeRawBufferPointer, is lowercase: StaticString) -> Bool {
        if equal(bytes, lowercase) { return true }
        guard let last = tokens(bytes).last else { return false }
        return equal(last, lowercase)
    }
}
