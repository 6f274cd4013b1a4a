import NIOCore
import NIOHTTP1

/// The answers the proxy gives itself (400, 502, 503): a plain-text body, as bytes ready to write.
enum LocalAnswer {
    /// `status` with `body`, in HTTP/1.`versionMinor`, with `connection` as a `Connection` header when given.
    static func bytes(_ status: HTTPResponseStatus, _ body: ByteBuffer, versionMinor: Int, connection: StaticString?,
                      allocator: ByteBufferAllocator) -> ByteBuffer {
        var answer = allocator.buffer(capacity: 160 + body.readableBytes)
        answer.writeString("HTTP/1.\(versionMinor == 0 ? 0 : 1) \(status.code) \(status.reasonPhrase)\r\n")
        answer.writeStaticString("Content-Type: text/plain; charset=utf-8\r\n")
        answer.writeString("Content-Length: \(body.readableBytes)\r\n")
        if let connection { answer.writeConnectionHeader(connection) }
        answer.writeStaticString("\r\n")
        answer.writeImmutableBuffer(body)
        return answer
    }
}

extension ByteBuffer {
    /// Writes `Connection: VALUE` and its CRLF.
    mutating func writeConnectionHeader(_ value: StaticString) {
        writeStaticString("Connection: ")
        writeStaticString(value)
        writeStaticString("\r\n")
    }
}
