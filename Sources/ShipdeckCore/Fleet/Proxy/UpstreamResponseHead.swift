import NIOCore

/// A backend's response head as the proxy reads it: the raw bytes (status line, header lines and the
/// empty line) and what the proxy needs to forward the message without re-encoding it — status,
/// version, keep-alive, how the body is framed, and which header lines describe the backend
/// connection only (hop-by-hop, RFC 9110 §7.6.1) and so are not passed on.
struct UpstreamResponseHead {
    /// How the body that follows the head ends (RFC 9112 §6.3).
    enum Framing: Equatable {
        /// No body: a 1xx, 204 or 304, or the answer to a HEAD request.
        case none
        /// Exactly this many bytes.
        case length(Int)
        /// Chunked transfer coding, ending with the last chunk and its trailers.
        case chunked
        /// Everything until the backend closes the connection.
        case untilClose
    }

    var bytes: ByteBuffer
    var status: Int
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    var versionMinor: Int
    /// Whether the backend keeps the connection open after this response.
    var keepAlive: Bool
    var framing: Framing
    /// Byte ranges in `bytes` of whole header lines (with their CRLF) to leave out, ascending.
    var hopByHopLines: [Range<Int>]
    /// Byte ranges of `Transfer-Encoding` lines, left out too when the body is sent de-chunked.
    var transferEncodingLines: [Range<Int>]

    /// Where the header lines start (after the status line's CRLF) and end (before the empty line).
    var headerLines: Range<Int>
}

/// A response the proxy cannot forward; the backend connection is dropped.
struct UpstreamProtocolError: Error, Equatable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension UpstreamResponseHead {
    /// The longest response head the proxy accepts, as NIO's decoder does by default.
    static let maximumSize = 80 * 1024

    /// Parses a complete head (`bytes` holds exactly the head, ending with CRLF CRLF).
    /// - Parameter toHEAD: the request was a HEAD, so the response has no body whatever it says.
    /// - Throws: `UpstreamProtocolError` for a malformed status line, header line or length.
    static func parse(_ bytes: ByteBuffer, toHEAD: Bool) throws(UpstreamProtocolError) -> UpstreamResponseHead {
        let parsed = bytes.withUnsafeReadableBytes { raw -> Result<UpstreamResponseHead, UpstreamProtocolError> in
            Result { () throws(UpstreamProtocolError) in try parse(raw, buffer: bytes, toHEAD: toHEAD) }
        }
        return try parsed.get()
    }

    private static func parse(_ raw: UnsafeRawBufferPointer, buffer: ByteBuffer, toHEAD: Bool) throws(UpstreamProtocolError) -> UpstreamResponseHead {
        // Status line: HTTP/1.x SP 3DIGIT [SP reason] CRLF
        guard raw.count >= 16, raw[0] == 0x48, raw[1] == 0x54, raw[2] == 0x54, raw[3] == 0x50, raw[4] == 0x2F,
              raw[5] == 0x31, raw[6] == 0x2E, raw[7] == 0x30 || raw[7] == 0x31, raw[8] == 0x20 else {
            throw UpstreamProtocolError("the backend's answer does not start with an HTTP/1.x status line")
        }
        let versionMinor = Int(raw[7] - 0x30)
        var status = 0
        for index in 9..<12 {
            let digit = raw[index] &- 0x30
            guard digit < 10 else { throw UpstreamProtocolError("the backend's status code is not three digits") }
            status = status * 10 + Int(digit)
        }
        guard raw[12] == 0x20 || raw[12] == 0x0D else { throw UpstreamProtocolError("the backend's status line is malformed") }
        var cursor = 12
        while raw[cursor] != 0x0A { cursor += 1 }
        guard raw[cursor - 1] == 0x0D else { throw UpstreamProtocolError("the backend's status line does not end with CRLF") }
        let headersStart = cursor + 1
        let headersEnd = raw.count - 2

        var keepAlive = versionMinor >= 1
        var contentLength: Int?
        var chunked = false
        var hasTransferEncoding = false
        var hopByHop: [Range<Int>] = []
        var transferEncoding: [Range<Int>] = []
        var connectionNames: [[UInt8]] = []
        var contentLengthLines: [Range<Int>] = []

        var lineStart = headersStart
        while lineStart < headersEnd {
            var lineEnd = lineStart
            while raw[lineEnd] != 0x0A { lineEnd += 1 }
            guard lineEnd > lineStart, raw[lineEnd - 1] == 0x0D else {
                throw UpstreamProtocolError("a header line of the backend's answer does not end with CRLF")
            }
            let line = lineStart..<(lineEnd + 1)
            guard raw[lineStart] != 0x20 && raw[lineStart] != 0x09 else {
                throw UpstreamProtocolError("the backend folded a header line (obsolete line folding)")
            }
            var colon = lineStart
            while colon < lineEnd - 1 && raw[colon] != 0x3A { colon += 1 }
            guard colon < lineEnd - 1, colon > lineStart, raw[colon - 1] != 0x20, raw[colon - 1] != 0x09 else {
                throw UpstreamProtocolError("a header line of the backend's answer has no name or no colon")
            }
            var valueStart = colon + 1
            var valueEnd = lineEnd - 1
            while valueStart < valueEnd && (raw[valueStart] == 0x20 || raw[valueStart] == 0x09) { valueStart += 1 }
            while valueEnd > valueStart && (raw[valueEnd - 1] == 0x20 || raw[valueEnd - 1] == 0x09) { valueEnd -= 1 }
            let name = UnsafeRawBufferPointer(rebasing: raw[lineStart..<colon])
            let value = UnsafeRawBufferPointer(rebasing: raw[valueStart..<valueEnd])

            switch name.count {
            case 14 where name.equalsIgnoringCase("content-length"):
                guard let length = parseLength(value) else {
                    throw UpstreamProtocolError("the backend's Content-Length is not a number")
                }
                if let earlier = contentLength, earlier != length {
                    throw UpstreamProtocolError("the backend sent two different Content-Length values")
                }
                contentLength = length
                contentLengthLines.append(line)
            case 17 where name.equalsIgnoringCase("transfer-encoding"):
                hasTransferEncoding = true
                transferEncoding.append(line)
                // The last coding decides; a later line's codings come after an earlier one's.
                chunked = lastTokenIsChunked(value)
            case 10 where name.equalsIgnoringCase("connection"):
                hopByHop.append(line)
                forEachToken(value) { token in
                    if token.equalsIgnoringCase("close") {
                        keepAlive = false
                    } else if token.equalsIgnoringCase("keep-alive") {
                        if versionMinor == 0 { keepAlive = true }
                    } else if !token.equalsIgnoringCase("content-length")
                                && !token.equalsIgnoringCase("transfer-encoding") {
                        // The framing headers stay whatever Connection says: the proxy frames by them.
                        connectionNames.append(token.map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 })
                    }
                }
            case 2 where name.equalsIgnoringCase("te"),
                 7 where name.equalsIgnoringCase("upgrade"),
                 10 where name.equalsIgnoringCase("keep-alive"),
                 16 where name.equalsIgnoringCase("proxy-connection"):
                hopByHop.append(line)
            default:
                break
            }
            lineStart = lineEnd + 1
        }

        if !connectionNames.isEmpty {
            // Headers named in Connection are hop-by-hop too (rare: a second pass).
            hopByHop = linesNamed(connectionNames, in: raw, headers: headersStart..<headersEnd, adding: hopByHop)
        }
        if hasTransferEncoding && !contentLengthLines.isEmpty {
            // Both: Transfer-Encoding frames the body; Content-Length is not passed on (RFC 9112 §6.3
            // item 3) and the backend connection, which sent an ambiguous message, is not reused.
            hopByHop = (hopByHop + contentLengthLines).sorted { $0.lowerBound < $1.lowerBound }
            keepAlive = false
        }

        let framing: Framing
        if toHEAD || status < 200 || status == 204 || status == 304 {
            framing = .none
        } else if hasTransferEncoding {
            // Transfer-Encoding overrides Content-Length (RFC 9112 §6.3 item 3).
            framing = chunked ? .chunked : .untilClose
        } else if let contentLength {
            framing = .length(contentLength)
        } else {
            framing = .untilClose
        }
        if framing == .untilClose { keepAlive = false }
        return UpstreamResponseHead(
            bytes: buffer, status: status, versionMinor: versionMinor, keepAlive: keepAlive, framing: framing,
            hopByHopLines: hopByHop, transferEncodingLines: transferEncoding,
            headerLines: headersStart..<headersEnd)
    }

    private static func parseLength(_ value: UnsafeRawBufferPointer) -> Int? {
        guard !value.isEmpty, value.count <= 18 else { return nil }
        var length = 0
        for byte in value {
            let digit = byte &- 0x30
            guard digit < 10 else { return nil }
            length = length * 10 + Int(digit)
        }
        return length
    }

    private static func lastTokenIsChunked(_ value: UnsafeRawBufferPointer) -> Bool {
        var last: UnsafeRawBufferPointer?
        forEachToken(value) { last = $0 }
        return last?.equalsIgnoringCase("chunked") ?? false
    }

    /// Calls `body` with each comma-separated token of `value`, trimmed of spaces and tabs.
    private static func forEachToken(_ value: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        var start = 0
        while start < value.count {
            var end = start
            while end < value.count && value[end] != 0x2C { end += 1 }
            var tokenStart = start
            var tokenEnd = end
            while tokenStart < tokenEnd && (value[tokenStart] == 0x20 || value[tokenStart] == 0x09) { tokenStart += 1 }
            while tokenEnd > tokenStart && (value[tokenEnd - 1] == 0x20 || value[tokenEnd - 1] == 0x09) { tokenEnd -= 1 }
            if tokenEnd > tokenStart { body(UnsafeRawBufferPointer(rebasing: value[tokenStart..<tokenEnd])) }
            start = end + 1
        }
    }

    /// `lines` plus every header line whose lowercased name is one of `names`, ascending, no repeats.
    private static func linesNamed(_ names: [[UInt8]], in raw: UnsafeRawBufferPointer, headers: Range<Int>,
                                   adding lines: [Range<Int>]) -> [Range<Int>] {
        var result = lines
        var lineStart = headers.lowerBound
        while lineStart < headers.upperBound {
            var lineEnd = lineStart
            while raw[lineEnd] != 0x0A { lineEnd += 1 }
            var colon = lineStart
            while raw[colon] != 0x3A { colon += 1 }
            let name = raw[lineStart..<colon].map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }
            let line = lineStart..<(lineEnd + 1)
            if names.contains(name) && !result.contains(line) { result.append(line) }
            lineStart = lineEnd + 1
        }
        return result.sorted { $0.lowerBound < $1.lowerBound }
    }
}

extension UpstreamResponseHead {
    /// The head as the client gets it: the status line in the client's HTTP version, the backend's
    /// header lines copied as they are but for the hop-by-hop ones (and `Transfer-Encoding` when
    /// `dechunk`), then `connection` as a `Connection` header when given. `reserving` leaves room for
    /// that many bytes of body after it.
    func forwarded(versionMinor clientMinor: Int, dechunk: Bool, connection: StaticString?,
                   reserving bodyBytes: Int = 0, allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = allocator.buffer(capacity: bytes.readableBytes + 32 + bodyBytes)
        out.writeStaticString(clientMinor == 0 ? "HTTP/1.0" : "HTTP/1.1")
        let dropped = dechunk ? Self.merged(hopByHopLines, transferEncodingLines) : hopByHopLines
        bytes.withUnsafeReadableBytes { raw in
            var start = 8
            for line in dropped {
                out.writeBytes(UnsafeRawBufferPointer(rebasing: raw[start..<line.lowerBound]))
                start = line.upperBound
            }
            out.writeBytes(UnsafeRawBufferPointer(rebasing: raw[start..<headerLines.upperBound]))
        }
        if let connection { out.writeConnectionHeader(connection) }
        out.writeStaticString("\r\n")
        return out
    }

    private static func merged(_ first: [Range<Int>], _ second: [Range<Int>]) -> [Range<Int>] {
        (first + second.filter { !first.contains($0) }).sorted { $0.lowerBound < $1.lowerBound }
    }
}
