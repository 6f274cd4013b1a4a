import NIOCore

/// Reads a backend's response to the one request in flight on its connection, as the bytes arrive,
/// into events the proxy forwards without re-encoding: informational heads (1xx), the final head,
/// body pieces (slices of what was read; with their chunk framing unless `dechunk` is set) and the end.
struct UpstreamResponseReader {
    enum Event {
        /// A whole 1xx head (100 Continue, 103 Early Hints), raw; the final head follows.
        case informational(ByteBuffer)
        case head(UpstreamResponseHead)
        case body(ByteBuffer)
        case end
    }

    private enum State {
        /// No request in flight: any byte is a protocol error.
        case idle
        /// Reading a head (informational or final).
        case head
        case length(remaining: Int)
        case chunked
        case untilClose
    }

    private var state = State.idle
    private var toHEAD = false
    /// An incomplete head, kept across reads.
    private var partialHead: ByteBuffer?
    private var chunks = ChunkedBodyScanner()
    /// Set after the head of a chunked response: pass on chunk data alone (for an HTTP/1.0 client).
    var dechunk = false

    /// A request was sent: its response comes next. `toHEAD`: it was a HEAD request.
    mutating func expectResponse(toHEAD: Bool) {
        state = .head
        self.toHEAD = toHEAD
        partialHead = nil
        dechunk = false
    }

    /// The next event from `buffer`, which it reads from; nil when `buffer` holds no more of one.
    /// - Throws: `UpstreamProtocolError` when the backend's bytes are not a valid response or
    ///   arrive when no request is in flight.
    mutating func next(_ buffer: inout ByteBuffer) throws(UpstreamProtocolError) -> Event? {
        switch state {
        case .idle:
            if buffer.readableBytes > 0 { throw UpstreamProtocolError("the backend sent bytes with no request in flight") }
            return nil
        case .head:
            return try readHead(&buffer)
        case .length(let remaining):
            if remaining == 0 { return finish() }
            guard buffer.readableBytes > 0 else { return nil }
            let take = min(remaining, buffer.readableBytes)
            let piece = buffer.readSlice(length: take)!
            state = .length(remaining: remaining - take)
            return .body(piece)
        case .chunked:
            if chunks.isDone { return finish() }
            guard buffer.readableBytes > 0 else { return nil }
            return try readChunked(&buffer)
        case .untilClose:
            guard buffer.readableBytes > 0 else { return nil }
            return .body(buffer.readSlice(length: buffer.readableBytes)!)
        }
    }

    /// The backend closed the connection: true when that ends the response (an until-close body).
    mutating func closed() -> Bool {
        if case .untilClose = state {
            state = .idle
            return true
        }
        return false
    }

    private mutating func finish() -> Event {
        state = .idle
        return .end
    }

    private mutating func readHead(_ buffer: inout ByteBuffer) throws(UpstreamProtocolError) -> Event? {
        guard buffer.readableBytes > 0 else { return nil }
        if partialHead == nil {
            // Something that is not HTTP/1.x is refused at once, not when the head would end.
            let isHTTP = buffer.withUnsafeReadableBytes { raw in
                zip(raw.prefix(7), "HTTP/1.".utf8).allSatisfy { $0 == $1 }
            }
            guard isHTTP else {
                throw UpstreamProtocolError("the backend's answer does not start with an HTTP/1.x status line")
            }
        }
        // Where the head ends, searching only the new bytes (plus the last 3 of the kept part).
        let kept = partialHead?.readableBytes ?? 0
        var tail: UInt32 = 0
        if let partialHead {
            partialHead.withUnsafeReadableBytes { raw in
                for byte in raw.suffix(3) { tail = tail << 8 | UInt32(byte) }
            }
        }
        let end: Int? = buffer.withUnsafeReadableBytes { raw in
            var window = tail
            for index in 0..<raw.count {
                window = window << 8 | UInt32(raw[index])
                // CRLF CRLF; a bare LF LF ends it too, for `parse` to refuse with a reason.
                if window == 0x0D0A_0D0A || window & 0xFFFF == 0x0A0A { return index + 1 }
            }
            return nil
        }
        guard let end else {
            guard kept + buffer.readableBytes <= UpstreamResponseHead.maximumSize else {
                throw UpstreamProtocolError("the backend's response head is longer than \(UpstreamResponseHead.maximumSize) bytes")
            }
            if partialHead == nil { partialHead = ByteBufferAllocator().buffer(capacity: max(1024, buffer.readableBytes)) }
            partialHead!.writeImmutableBuffer(buffer)
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
            return nil
        }
        var headBytes = buffer.readSlice(length: end)!
        if var partialHead {
            partialHead.writeImmutableBuffer(headBytes)
            headBytes = partialHead
            self.partialHead = nil
        }
        guard headBytes.readableBytes <= UpstreamResponseHead.maximumSize else {
            throw UpstreamProtocolError("the backend's response head is longer than \(UpstreamResponseHead.maximumSize) bytes")
        }
        let head = try UpstreamResponseHead.parse(headBytes, toHEAD: toHEAD)
        if head.status < 200 {
            guard head.status != 101 else { throw UpstreamProtocolError("the backend switched protocols, which the proxy does not forward") }
            return .informational(headBytes)
        }
        switch head.framing {
        case .none: state = .length(remaining: 0)
        case .length(let length): state = .length(remaining: length)
        case .chunked:
            state = .chunked
            chunks = ChunkedBodyScanner()
        case .untilClose: state = .untilClose
        }
        return .head(head)
    }

    private mutating func readChunked(_ buffer: inout ByteBuffer) throws(UpstreamProtocolError) -> Event? {
        if dechunk {
            // Chunk data alone, one range at a time; framing bytes are read and dropped.
            while buffer.readableBytes > 0 && !chunks.isDone {
                let (consumed, data) = try scanChunks(buffer)
                if let data {
                    let piece = buffer.getSlice(at: buffer.readerIndex + data.lowerBound, length: data.count)!
                    buffer.moveReaderIndex(forwardBy: consumed)
                    return .body(piece)
                }
                buffer.moveReaderIndex(forwardBy: consumed)
            }
            return chunks.isDone ? finish() : nil
        }
        // Raw: everything up to the body's end, framing included, in one piece.
        var total = 0
        while total < buffer.readableBytes && !chunks.isDone {
            let (consumed, _) = try scanChunks(buffer, from: total)
            total += consumed
        }
        return .body(buffer.readSlice(length: total)!)
    }

    private mutating func scanChunks(_ buffer: ByteBuffer, from offset: Int = 0) throws(UpstreamProtocolError) -> (consumed: Int, data: Range<Int>?) {
        let result = buffer.withUnsafeReadableBytes { raw -> Result<(consumed: Int, data: Range<Int>?), UpstreamProtocolError> in
            Result { () throws(UpstreamProtocolError) in try chunks.scan(UnsafeRawBufferPointer(rebasing: raw[offset...])) }
        }
        return try result.get()
    }
}
