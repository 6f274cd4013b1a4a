import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
@testable import ShipdeckAPI
import ShipdeckCore
import Synchronization
import Testing

/// A demo workspace in a temporary folder, removed by `cleanUp`.
struct TestWorkspace {
    let directory: URL

    static func make() async throws -> TestWorkspace {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shipdeck-api-\(UUID().uuidString)")
        try await DemoWorkspace.create(at: directory, now: Date())
        // Each workspace of a run gets its own endpoint ports (test 22000–22999, prod +1000), so the
        // cores of tests running side by side do not contend for the demo's 8100….
        let config = ShipdeckPaths.configFile(in: directory)
        var text = try String(contentsOf: config, encoding: .utf8)
        let base = nextPortBlock.withLock { block in
            defer { block = (block + 1) % 100 }
            return 22_000 + block * 10
        }
        for index in 0..<4 { text = text.replacingOccurrences(of: "port: \(8100 + index)", with: "port: \(base + index)") }
        try text.write(to: config, atomically: true, encoding: .utf8)
        return TestWorkspace(directory: directory)
    }

    private static let nextPortBlock = Mutex(Int.random(in: 0..<100))

    func cleanUp() { try? FileManager.default.removeItem(at: directory) }

    func startHost(api: APIServerConfiguration = APIServerConfiguration()) async throws -> CoreHost {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try await CoreHost.start(workspace: directory, mode: "serve", environment: [:], api: api, logger: logger)
    }

    var token: String { (try? APIToken.load(workspace: directory)) ?? nil ?? "" }
}

/// A finished HTTP exchange.
struct Reply {
    var status: Int
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
}

func request(_ url: String, method: HTTPMethod = .GET, token: String?, headers: [(String, String)] = [], body: Data? = nil) async throws -> Reply {
    var request = HTTPClientRequest(url: url)
    request.method = method
    if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let collected = try await response.body.collect(upTo: 64 << 20)
    return Reply(status: Int(response.status.code), body: Data(buffer: collected))
}

/// Checks `document` against schema `name` of openapi/shipdeck.yaml with scripts/check-openapi.py
/// (Python's jsonschema, Draft 2020-12); returns the validator's complaints, empty when it conforms.
/// The validator is waited for on a thread of its own: blocking one of the few threads of Swift's
/// concurrency pool would stall every other test running meanwhile.
func openAPIViolations(_ document: Data, schema name: String) async throws -> String {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try validateAgainstSpec(document, schema: name) }) }
    }
}

private func validateAgainstSpec(_ document: Data, schema name: String) throws -> String {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", root.appendingPathComponent("scripts/check-openapi.py").path, name]
    let input = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardError = errors
    try process.run()
    input.fileHandleForWriting.write(document)
    try input.fileHandleForWriting.close()
    let output = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: output, as: UTF8.self)
    return process.terminationStatus == 0 ? "" : (text.isEmpty ? "validator exited \(process.terminationStatus)" : text)
}
