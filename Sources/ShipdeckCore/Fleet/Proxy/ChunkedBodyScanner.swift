/// Finds where a chunked body (RFC 9112 §7.1) ends, and where its chunk data lies, in bytes that
/// arrive in pieces: chunk sizes, extensions and trailers are read byte by byte, chunk data is
/// skipped whole. It keeps no bytes itself, so the proxy can forward each piece as it comes.
struct ChunkedBodyScanner {
    private enum State: Equatable {
        case sizeStart
        case size(Int)
        case extensions(Int)
        case sizeLF(Int)
        case data(Int)
        case dataCR
        case dataLF
        case trailerLineStart
        case trailerLine
        case trailerLineLF
        case lastLF
        case done
    }

    private var state = State.sizeStart

    /// Whether the last chunk and the trailer section have been read.
    var isDone: Bool { state == .done }

    /// Scans `bytes` from their start. Stops at the end of the first chunk data it meets (so a caller
    /// that wants the data alone gets each range in turn), at the end of the body, or at the end of `bytes`.
    /// - Returns: how many bytes it read, and the range of chunk data among them, if any.
    /// - Throws: `UpstreamProtocolError` for a malformed size line or a missing CRLF after chunk data.
    mutating func scan(_ bytes: UnsafeRawBufferPointer) throws(UpstreamProtocolError) -> (consumed: Int, data: Range<Int>?) {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch state {
            case .sizeStart:
                guard let digit = Self.hexValue(byte) else { throw UpstreamProtocolError("a chunk size is not hexadecimal") }
                state = .size(digit)
            case .size(let value):
                if let digit = Self.hexValue(byte) {
                    guard value < (Int.max >> 8) else { throw UpstreamProtocolError("a chunk size is too large") }
                    state = .size(value << 4 | digit)
                } else if byte == 0x0D {
                    state = .sizeLF(value)
                } else if byte == 0x3B || byte == 0x20 || byte == 0x09 {
                    state = .extensions(value)
                } else {
                    throw UpstreamProtocolError("a chunk size line is malformed")
                }
            case .extensions(let value):
                if byte == 0x0D { state = .sizeLF(value) }
            case .sizeLF(let value):
                guard byte == 0x0A else { throw UpstreamProtocolError("a chunk size line does not end with CRLF") }
                state = value == 0 ? .trailerLineStart : .data(value)
            case .data(let remaining):
                let take = min(remaining, bytes.count - index)
                let range = index..<(index + take)
                state = take == remaining ? .dataCR : .data(remaining - take)
                return (index + take, range)
            case .dataCR:
                guard byte == 0x0D else { throw UpstreamProtocolError("chunk data is longer than its size") }
                state = .dataLF
            case .dataLF:
                guard byte == 0x0A else { throw UpstreamProtocolError("chunk data does not end with CRLF") }
                state = .sizeStart
            case .trailerLineStart:
                state = byte == 0x0D ? .lastLF : .trailerLine
            case .trailerLine:
                if byte == 0x0D { state = .trailerLineLF }
            case .trailerLineLF:
                guard byte == 0x0A else { throw UpstreamProtocolError("a trailer line does not end with CRLF") }
                state = .trailerLineStart
            case .lastLF:
                guard byte == 0x0A else { throw UpstreamProtocolError("a chunked body does not end with CRLF") }
                state = .done
                return (index + 1, nil)
            case .done:
                return (index, nil)
            }
            index += 1
        }
        return (index, nil)
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        default: nil
        }
    }
}
