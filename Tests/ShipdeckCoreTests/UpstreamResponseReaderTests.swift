import NIOCore
import Testing
@testable import ShipdeckCore

/// What a reader made of a whole response: heads as text, the body bytes as forwarded, whether it ended.
private struct Read: Equatable {
    var informational: [String] = []
    var status: Int?
    var framing: UpstreamResponseHead.Framing?
    var keepAlive: Bool?
    var body = ""
    var ended = false
}

/// Feeds `text` to a reader in pieces of `pieceSize` bytes (each piece its own buffer, as reads arrive).
private func read(_ text: String, pieceSize: Int = .max, toHEAD: Bool = false, dechunk: Bool = false,
                  closeAfter: Bool = false) throws(UpstreamProtocolError) -> Read {
    var reader = UpstreamResponseReader()
    reader.expectResponse(toHEAD: toHEAD)
    var result = Read()
    let bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + min(pieceSize, bytes.count))
        var buffer = ByteBuffer(bytes: bytes[offset..<end])
        offset = end
        while let event = try reader.next(&buffer) {
            switch event {
            case .informational(let head): result.informational.append(String(buffer: head))
            case .head(let head):
                result.status = head.status
                result.framing = head.framing
                result.keepAlive = head.keepAlive
                reader.dechunk = dechunk
            case .body(let piece): result.body += String(buffer: piece)
            case .end: result.ended = true
            }
        }
    }
    if closeAfter && reader.closed() { result.ended = true }
    return result
}

@Suite struct UpstreamResponseReaderTests {
    static let chunkedBody = "5;name=value\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Checksum: 1\r\n\r\n"
    static let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedBody

    @Test func aContentLengthBodyEndsAfterItsLengthWhateverTheReadSizes() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello"
        for size in [1, 2, 3, 7, 40, .max] {
            let result = try read(text, pieceSize: size)
            #expect(result == Read(status: 200, framing: .length(5), keepAlive: true, body: "hello", ended: true), "pieces of \(size)")
        }
    }

    @Test func aChunkedBodyIsForwardedWithItsFramingAndEndsAfterTheTrailers() throws {
        for size in [1, 2, 5, 11, .max] {
            let result = try read(Self.chunked, pieceSize: size)
            #expect(result.framing == .chunked && result.ended, "pieces of \(size)")
            #expect(result.body == Self.chunkedBody, "pieces of \(size)")
        }
    }

    @Test func dechunkedBodyIsTheChunkDataAlone() throws {
        for size in [1, 3, .max] {
            let result = try read(Self.chunked, pieceSize: size, dechunk: true)
            #expect(result.body == "helloabcdefghijklmnopqrstuvwxyz" && result.ended, "pieces of \(size)")
        }
    }

    @Test func noBodyForHEADOr204Or304EvenWithALength() throws {
        let withLength = "HTTP/1.1 200 OK\r\nContent-Length: 120\r\n\r\n"
        #expect(try read(withLength, toHEAD: true) == Read(status: 200, framing: Read.Framing.none, keepAlive: true, ended: true))
        #expect(try read("HTTP/1.1 204 No Content\r\n\r\n").ended)
        #expect(try read("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n").framing == Read.Framing.none)
    }

    @Test func informationalHeadsComeBeforeTheFinalOne() throws {
        let result = try read("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", pieceSize: 4)
        #expect(result.informational == ["HTTP/1.1 100 Continue\r\n\r\n"])
        #expect(result.status == 201 && result.body == "ok" && result.ended)
    }

    @Test func aBodyWithoutLengthRunsUntilTheBackendClosesAndTheConnectionIsNotKept() throws {
        let result = try read("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it", pieceSize: 3, closeAfter: true)
        #expect(result == Read(status: 200, framing: .untilClose, keepAlive: false, body: "all of it", ended: true))
    }

    @Test func keepAliveFollowsVersionAndConnection() throws {
        #expect(try read("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keepAlive == false)
        #expect(try read("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keepAlive == false)
        #expect(try read("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n").keepAlive == true)
    }

    @Test func transferEncodingOverridesContentLength() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"
        let result = try read(text)
        #expect(result.framing == .chunked && result.body == "2\r\nab\r\n0\r\n\r\n" && result.ended)
    }

    @Test(arguments: [
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\nName : value\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
    ])
    func malformedResponsesAreRefused(_ text: String) {
        #expect(throws: UpstreamProtocolError.self) { try read(text) }
    }

    @Test func somethingThatIsNotHTTPIsRefusedAtItsFirstBytes() {
        var reader = UpstreamResponseReader()
        reader.expectResponse(toHEAD: false)
        var buffer = ByteBuffer(string: "SSH-2.0")
        #expect(throws: UpstreamProtocolError.self) { try reader.next(&buffer) }
    }

    @Test func aHeadWithBareLineFeedsIsRefusedWhenItEnds() {
        #expect(throws: UpstreamProtocolError.self) { try read("HTTP/1.1 200 OK\nContent-Length: 0\n\n") }
    }

    @Test func bothLengthAndChunkedFrameByChunksDropTheLengthAndDoNotKeepTheBackend() throws {
        let text = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
        let head = try UpstreamResponseHead.parse(ByteBuffer(string: String(text.prefix(while: { $0 != "5" }))), toHEAD: false)
        #expect(head.framing == .chunked && !head.keepAlive)
        let toOld = head.forwarded(versionMinor: 0, dechunk: true, connection: "close", allocator: ByteBufferAllocator())
        #expect(String(buffer: toOld) == "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n")
        #expect(try read(text, dechunk: true).body == "hello")
    }

    @Test func connectionCannotStripTheFramingHeaders() throws {
        let head = try UpstreamResponseHead.parse(
            ByteBuffer(string: "HTTP/1.1 200 OK\r\nConnection: content-length, transfer-encoding\r\nContent-Length: 2\r\n\r\n"), toHEAD: false)
        let forwarded = head.forwarded(versionMinor: 1, dechunk: false, connection: nil, allocator: ByteBufferAllocator())
        #expect(String(buffer: forwarded) == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
    }

    @Test func bytesWithNoRequestInFlightAreRefused() {
        var reader = UpstreamResponseReader()
        var buffer = ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\n")
        #expect(throws: UpstreamProtocolError.self) { try reader.next(&buffer) }
    }

    @Test func aHeadLongerThanTheLimitIsRefused() {
        let text = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Filler: 0123456789abcdef\r\n", count: 4000)
        #expect(throws: UpstreamProtocolError.self) { try read(text, pieceSize: 4096) }
    }

    @Test func forwardedHeadDropsHopByHopLinesAndSpeaksTheClientsVersion() throws {
        let text = "HTTP/1.1 200 OK\r\nServer: nginx\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\n"
            + "X-Secret: 1\r\nContent-Length: 2\r\n\r\n"
        let head = try UpstreamResponseHead.parse(ByteBuffer(string: text), toHEAD: false)
        let forwarded = head.forwarded(versionMinor: 1, dechunk: false, connection: nil, allocator: ByteBufferAllocator())
        #expect(String(buffer: forwarded) == "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 2\r\n\r\n")
        let toOld = head.forwarded(versionMinor: 0, dechunk: false, connection: "close", allocator: ByteBufferAllocator())
        #expect(String(buffer: toOld) == "HTTP/1.0 200 OK\r\nServer: nginx\r\nContent-Length: 2\r\nConnection: close\r\n\r\n")
    }

    @Test func dechunkedHeadLeavesOutTransferEncoding() throws {
        let head = try UpstreamResponseHead.parse(ByteBuffer(string: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nA: b\r\n\r\n"), toHEAD: false)
        let forwarded = head.forwarded(versionMinor: 0, dechunk: true, connection: "close", allocator: ByteBufferAllocator())
        #expect(String(buffer: forwarded) == "HTTP/1.0 200 OK\r\nA: b\r\nConnection: close\r\n\r\n")
    }
}

private extension Read {
    typealias Framing = UpstreamResponseHead.Framing
}
