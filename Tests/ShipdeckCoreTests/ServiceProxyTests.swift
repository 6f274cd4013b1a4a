import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
@testable import ShipdeckCore

/// A proxy on a free loopback port in front of in-process backends, with an HTTP client.
struct ProxyFixture {
    let proxy: ServiceProxy
    let servers: [String: TestHTTPServer]
    let client: HTTPClient

    subscript(id: String) -> TestHTTPServer { servers[id]! }

    func backend(_ id: String) -> ProxyBackend {
        ProxyBackend(instanceID: id, host: "127.0.0.1", port: self[id].port)
    }

    /// Routes to the named backends.
    func route(_ ids: String...) {
        proxy.route(to: ids.map(backend))
    }

    /// One request through the proxy; `close` asks for a fresh client connection.
    func request(_ path: String = "/", method: HTTPMethod = .GET, body: ByteBuffer? = nil, close: Bool = false,
                 using client: HTTPClient? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(proxy.boundPort)\(path)")
        request.method = method
        if let body { request.body = .bytes(body) }
        if close { request.headers.add(name: "connection", value: "close") }
        let response = try await (client ?? self.client).execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// Starts backends `ids` and a proxy routed to `routed` (all of them by default), runs `body`,
    /// then stops everything.
    static func with(_ ids: [String], routed: [String]? = nil, label: String = "orders",
                     _ body: (ProxyFixture) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var servers: [String: TestHTTPServer] = [:]
        for id in ids {
            let server = TestHTTPServer(id: id)
            try await server.start()
            servers[id] = server
        }
        let proxy = ServiceProxy(label: label, port: 0, group: group)
        var configuration = HTTPClient.Configuration()
        // One connection per host, so sequential requests share one keep-alive connection.
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 1)
        do {
            try await proxy.start()
            try await HTTPClient.withHTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration) { client in
                let fixture = ProxyFixture(proxy: proxy, servers: servers, client: client)
                fixture.proxy.route(to: (routed ?? ids).map(fixture.backend))
                try await body(fixture)
            }
        } catch {
            await proxy.stop()
            for server in servers.values { await server.stop() }
            try await group.shutdownGracefully()
            throw error
        }
        await proxy.stop()
        for server in servers.values { await server.stop() }
        try await group.shutdownGracefully()
    }

    /// A proxy routed to one `RawResponder` backend answering `answer` (bytes an HTTP library would
    /// not write), for `body`; the backend is stopped however `body` ends.
    static func with(rawBackendAnswering answer: String, _ body: (ProxyFixture) async throws -> Void) async throws {
        let backend = try await RawResponder.start(answering: answer)
        do {
            try await with([]) { fixture throws in
                fixture.proxy.route(to: [ProxyBackend(instanceID: "raw", host: "127.0.0.1", port: backend.port)])
                try await body(fixture)
            }
        } catch {
            await backend.stop()
            throw error
        }
        await backend.stop()
    }

    /// A port that refuses connections for the rest of the test run: bound but never listening, so no
    /// other test's server can take it over (a stopped server's port could be reused at once).
    static func refusedPort() async throws -> Int {
        try PortAllocator.bindLoopback().port  // the descriptor stays open on purpose
    }
}

@Suite struct ServiceProxyTests {
    @Test func newConnectionsSpreadRoundRobinOverBackends() async throws {
        try await ProxyFixture.with(["a", "b", "c"]) { fixture throws in
            var seen: [String: Int] = [:]
            for _ in 0..<6 {
                let response = try await fixture.request(close: true)
                #expect(response.status == 200)
                seen[response.body, default: 0] += 1
            }
            #expect(seen == ["a": 2, "b": 2, "c": 2])
        }
    }

    @Test func keepAliveConnectionStaysOnItsBackend() async throws {
        try await ProxyFixture.with(["a", "b"]) { fixture throws in
            let first = try await fixture.request().body
            for _ in 0..<4 { #expect(try await fixture.request().body == first) }
        }
    }

    @Test func routeSwitchMovesAnOpenKeepAliveConnectionToTheNewGroup() async throws {
        try await ProxyFixture.with(["old", "new"], routed: ["old"]) { fixture throws in
            #expect(try await fixture.request().body == "old")
            #expect(try await fixture.request().body == "old")
            fixture.route("new")
            #expect(fixture.proxy.backends == [fixture.backend("new")])
            for _ in 0..<3 { #expect(try await fixture.request().body == "new") }
            // The proxy let go of its connection to the old instance.
            await fixture["old"].connectionsClosed()
            #expect(fixture["old"].requests == 2)
        }
    }

    @Test func requestInFlightOnOldGroupFinishesAfterSwitch() async throws {
        try await ProxyFixture.with(["old", "new"], routed: ["old"]) { fixture throws in
            async let slow = fixture.request("/slow")
            await fixture["old"].slowArrived()
            #expect(fixture.proxy.inFlight(instanceID: "old") == 1)

            fixture.route("new")
            try await HTTPClient.withHTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton) { other throws in
                #expect(try await fixture.request(using: other).body == "new")
            }
            #expect(fixture.proxy.inFlight(instanceID: "old") == 1)
            #expect(fixture.proxy.stats().inFlight == 1)

            fixture["old"].releaseSlow()
            let finished = try await slow
            #expect(finished.status == 200 && finished.body == "old")
            #expect(fixture.proxy.inFlight(instanceID: "old") == 0)
            #expect(fixture.proxy.stats().inFlight == 0)
            // The same keep-alive connection now goes to the new group.
            #expect(try await fixture.request().body == "new")
        }
    }

    @Test func noBackendsAnswers503NamingTheService() async throws {
        try await ProxyFixture.with([], label: "payments") { fixture throws in
            let response = try await fixture.request()
            #expect(response.status == 503)
            #expect(response.body.contains("no healthy instance of payments"))
            let stats = fixture.proxy.stats()
            #expect(stats.requests == 1 && stats.errors == 1)
        }
    }

    @Test func refusedBackendIsSkippedWhenAnotherWorks() async throws {
        let refused = try await ProxyFixture.refusedPort()
        try await ProxyFixture.with(["live"]) { fixture throws in
            let dead = ProxyBackend(instanceID: "dead", host: "127.0.0.1", port: refused)
            fixture.proxy.route(to: [dead, fixture.backend("live")])
            for _ in 0..<4 {
                let response = try await fixture.request(close: true)
                #expect(response.status == 200 && response.body == "live")
            }
            #expect(fixture.proxy.stats().errors == 0)
            #expect(fixture.proxy.inFlight(instanceID: "dead") == 0)
        }
    }

    @Test func allBackendsRefusingAnswers502() async throws {
        let refused = try await ProxyFixture.refusedPort()
        try await ProxyFixture.with(["live"], routed: [], label: "orders") { fixture throws in
            fixture.proxy.route(to: [ProxyBackend(instanceID: "d1", host: "127.0.0.1", port: refused),
                                     ProxyBackend(instanceID: "d2", host: "127.0.0.1", port: refused)])
            let response = try await fixture.request()
            #expect(response.status == 502)
            #expect(response.body.contains("orders"))
            let stats = fixture.proxy.stats()
            #expect(stats.requests == 1 && stats.errors == 1 && stats.inFlight == 0)
            #expect(fixture.proxy.inFlight(instanceID: "d1") == 0 && fixture.proxy.inFlight(instanceID: "d2") == 0)
            // The same keep-alive connection serves again once an instance is routed.
            fixture.route("live")
            #expect(try await fixture.request().body == "live")
        }
    }

    @Test func statsCountRequestsErrorsAndLatency() async throws {
        try await ProxyFixture.with(["a"]) { fixture throws in
            for _ in 0..<3 { #expect(try await fixture.request().status == 200) }
            #expect(try await fixture.request("/status/500").status == 500)
            let stats = fixture.proxy.stats()
            #expect(stats.requests == 4)
            #expect(stats.errors == 1)
            #expect(stats.inFlight == 0)
            #expect(stats.p50 > 0 && stats.p99 >= stats.p50 && stats.p99 < 10)
        }
    }

    @Test func postBodyRoundTripsThroughTheProxy() async throws {
        try await ProxyFixture.with(["a"]) { fixture throws in
            var body = ByteBuffer()
            for i in 0..<300_000 { body.writeInteger(UInt8(truncatingIfNeeded: i &* 31 &+ i >> 8)) }
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(fixture.proxy.boundPort)/echo")
            request.method = .POST
            request.body = .bytes(body)
            let response = try await fixture.client.execute(request, timeout: .seconds(10))
            #expect(response.status == .ok)
            #expect(try await response.body.collect(upTo: 1 << 20) == body)
        }
    }

    @Test func chunkedResponseStreamsThroughWhole() async throws {
        try await ProxyFixture.with(["a"]) { fixture throws in
            let response = try await fixture.request("/chunked")
            #expect(response.status == 200)
            #expect(response.body.utf8.count == 64 * 16 * 1024)
            #expect(response.body.hasPrefix("aaaa") && response.body.hasSuffix("llll"))
            #expect(try await fixture.request().body == "a")
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await ProxyFixture.with(["a"]) { fixture throws in
            let requests = "GET /headers HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                + "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            let text = try await exchangeRaw(requests, port: fixture.proxy.boundPort)
            let bodies = text.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst().map {
                $0.components(separatedBy: "\r\n\r\n").dropFirst().joined()
            }
            #expect(bodies == ["127.0.0.1\nhttp", "hello", "a"])
            #expect(fixture.proxy.stats().requests == 3)
        }
    }

    @Test func backendConnectionCloseKeepsTheClientConnection() async throws {
        try await ProxyFixture.with(["a"]) { fixture throws in
            for _ in 0..<3 { #expect(try await fixture.request("/close").body == "a") }
            #expect(try await fixture.request().body == "a")
            #expect(fixture.proxy.stats().errors == 0)
        }
    }

    @Test func forwardedHeadersAreAdded() async throws {
        try await ProxyFixture.with(["a"]) { fixture throws in
            #expect(try await fixture.request("/headers").body == "127.0.0.1\nhttp")
        }
    }

    @Test func backendClosingMidResponseClosesTheClientAndCountsAnError() async throws {
        try await ProxyFixture.with(["a"]) { fixture throws in
            await #expect(throws: (any Error).self) { try await fixture.request("/cut") }
            let stats = fixture.proxy.stats()
            #expect(stats.requests == 1 && stats.errors == 1 && stats.inFlight == 0)
            // The proxy still serves.
            #expect(try await fixture.request().body == "a")
        }
    }

    @Test func anHTTP10ClientGetsAChunkedBodyWithoutItsFramingAndThenTheClose() async throws {
        try await ProxyFixture.with(["a"]) { fixture throws in
            let text = try await exchangeRaw("GET /chunked HTTP/1.0\r\nHost: x\r\n\r\n", port: fixture.proxy.boundPort)
            let parts = text.components(separatedBy: "\r\n\r\n")
            #expect(parts[0].hasPrefix("HTTP/1.0 200 OK\r\n"))
            #expect(!parts[0].lowercased().contains("transfer-encoding"))
            #expect(parts[0].contains("Connection: close"))
            let body = parts.dropFirst().joined(separator: "\r\n\r\n")
            #expect(body.utf8.count == 64 * 16 * 1024 && body.hasPrefix("aaaa") && body.hasSuffix("llll"))
            #expect(fixture.proxy.stats().errors == 0)
        }
    }

    @Test func aHEADAnswerHasNoBodyAndTheConnectionGoesOn() async throws {
        try await ProxyFixture.with(["a"]) { fixture throws in
            let text = try await exchangeRaw("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                             port: fixture.proxy.boundPort)
            let answers = text.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst()
            #expect(answers.count == 2)
            #expect(answers.first?.hasSuffix("\r\n\r\n") == true)
            #expect(answers.last?.hasSuffix("\r\n\r\na") == true)
        }
    }

    @Test func aRequestTheProxyCannotParseIsAnswered400AndClosed() async throws {
        try await ProxyFixture.with(["a"]) { fixture throws in
            let text = try await exchangeRaw("GET / HTTP/1.1\r\nHost x\r\n\r\n", port: fixture.proxy.boundPort)
            #expect(text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            #expect(fixture["a"].requests == 0)
        }
    }

    @Test func aBackendBodyWithoutLengthIsPassedOnWholeAndTheClientClosed() async throws {
        try await ProxyFixture.with(rawBackendAnswering: "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end") { fixture throws in
            let text = try await exchangeRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n", port: fixture.proxy.boundPort)
            #expect(text == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nuntil the end")
            #expect(fixture.proxy.stats().errors == 0)
        }
    }

    @Test func bytesAfterACompleteAnswerStillLetTheAnswerThrough() async throws {
        // A HEAD answered with a body: the answer ends at its head; the extra bytes drop the backend.
        try await ProxyFixture.with(rawBackendAnswering: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello") { fixture throws in
            let response = try await fixture.request(method: .HEAD)
            #expect(response.status == 200 && response.body.isEmpty)
            #expect(fixture.proxy.stats().errors == 0)
        }
    }

    @Test func aMalformedRequestBehindAGoodOneLetsTheGoodOneBeAnsweredThenCloses() async throws {
        try await ProxyFixture.with(["a"]) { fixture throws in
            let text = try await exchangeRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n", port: fixture.proxy.boundPort)
            #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(text.contains("Connection: close\r\n"))
            #expect(text.hasSuffix("\r\n\r\na"))
            #expect(fixture.proxy.stats().inFlight == 0)
        }
    }

    @Test func aMalformedRequestBodyIsAnswered400() async throws {
        try await ProxyFixture.with(["a"]) { fixture throws in
            let text = try await exchangeRaw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                                             port: fixture.proxy.boundPort)
            #expect(text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            let stats = fixture.proxy.stats()
            #expect(stats.inFlight == 0 && stats.errors == 1)
        }
    }

    @Test func aMalformedBodyAfterTheAnswerClosesWithoutASecondAnswer() async throws {
        // The backend answers a chunked POST at once (it does not read bodies); the rest of the body is bad.
        try await ProxyFixture.with(rawBackendAnswering: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") { fixture throws in
            let port = fixture.proxy.boundPort
            let collector = RawCollector()
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
                }
                .connect(host: "127.0.0.1", port: port).get()
            try await channel.writeAndFlush(ByteBuffer(string: "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")).get()
            try await waitUntil("the answer arrives", seconds: 5) { collector.text.contains("\r\n\r\nok") }
            try await channel.writeAndFlush(ByteBuffer(string: "zz\r\n")).get()
            try await channel.closeFuture.get()
            #expect(collector.text == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                    || collector.text == "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            #expect(fixture.proxy.stats().inFlight == 0)
        }
    }

    @Test func aMalformedBackendAnswerIs502() async throws {
        try await ProxyFixture.with(rawBackendAnswering: "SSH-2.0-OpenSSH_9.2\r\n") { fixture throws in
            let response = try await fixture.request()
            #expect(response.status == 502)
            #expect(fixture.proxy.stats().errors == 1)
        }
    }

    @Test func bindFailureNamesTheAddressAndPort() async throws {
        try await ProxyFixture.with(["a"]) { fixture throws in
            let port = fixture.proxy.boundPort
            let second = ServiceProxy(label: "orders", port: port, group: MultiThreadedEventLoopGroup.singleton)
            let error = await #expect(throws: ShipdeckError.self) { try await second.start() }
            #expect(error?.description.contains("127.0.0.1:\(port)") == true)
            #expect(error?.description.contains("port \(port) is in use") == true)
        }
    }

    @Test func stopClosesTheListenerAndOpenConnections() async throws {
        try await ProxyFixture.with(["a"]) { fixture throws in
            #expect(try await fixture.request().body == "a")
            await fixture.proxy.stop()
            await fixture["a"].connectionsClosed()
            // Nothing listens any more: the proxy no longer answers on its port. (A plain connect cannot
            // tell: in a full parallel run another test's listener may take the freed port at once.)
            let port = fixture.proxy.boundPort
            if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get() {
                try? await channel.close().get()
                #expect(fixture.proxy.stats().inFlight == 0)
            }
        }
    }
}
