import AsyncHTTPClient
import Foundation
@testable import ShipdeckAPI
import ShipdeckCore
import Testing

@Suite(.serialized) struct APIServerTests {
    @Test func livenessNeedsNoTokenAndMatchesTheSpec() async throws {
        let workspace = try await TestWorkspace.make()
        defer { workspace.cleanUp() }
        let host = try await workspace.startHost()
        let reply = try await request(host.server.url + "/healthz", token: nil)
        await host.stop()
        #expect(reply.status == 200)
        #expect(try openAPIViolations(reply.body, schema: "Liveness") == "")
    }

    @Test func everyOtherRouteNeedsTheRightToken() async throws {
        let workspace = try await TestWorkspace.make()
        defer { workspace.cleanUp() }
        let host = try await workspace.startHost()
        let url = host.server.url
        for path in ["/v1/snapshot", "/metrics", "/v1/events"] {
            let missing = try await request(url + path, token: nil)
            #expect(missing.status == 401, "\(path) without a token")
            #expect(missing.text.contains("missing token"))
            #expect(try openAPIViolations(missing.body, schema: "Error") == "")
            let wrong = try await request(url + path, token: "not-the-token")
            #expect(wrong.status == 401, "\(path) with a wrong token")
            #expect(wrong.text.contains("wrong token"))
        }
        let right = try await request(url + "/v1/snapshot", token: workspace.token)
        #expect(right.status == 200)
        let metrics = try await request(url + "/metrics", token: workspace.token)
        await host.stop()
        #expect(metrics.text.contains("shipdeck_api_unauthorized_total 6"))
        #expect(metrics.text.contains(#"shipdeck_api_requests_total{method="GET",route="/v1/snapshot",status="200"} 1"#))
        #expect(metrics.text.contains("# TYPE shipdeck_api_request_duration_seconds histogram"))
        // The fleet per service and environment, as an APM would report it.
        #expect(metrics.text.contains(#"shipdeck_fleet_instances_desired{service="orders",environment="prod"} 2"#), "\(metrics.text)")
        #expect(metrics.text.contains(#"shipdeck_fleet_requests_per_second{service="orders",environment="test"} 0"#))
    }

    @Test func tokenFileIsPrivateAndStableAcrossStarts() async throws {
        let workspace = try await TestWorkspace.make()
        defer { workspace.cleanUp() }
        let first = try await workspace.startHost()
        await first.stop()
        let token = workspace.token
        let attributes = try FileManager.default.attributesOfItem(atPath: APIToken.file(in: workspace.directory).path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(token.count == 64)
        let second = try await workspace.startHost()
        await second.stop()
        #expect(workspace.token == token)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: APIToken.file(in: workspace.directory).path)
        #expect(throws: ShipdeckError.self) { try APIToken.load(workspace: workspace.directory) }
    }

    @Test func listensOnLoopbackUnlessRemoteIsAllowed() async throws {
        let workspace = try await TestWorkspace.make()
        defer { workspace.cleanUp() }
        let host = try await workspace.startHost()
        #expect(host.server.url.hasPrefix("http://127.0.0.1:"))
        await host.stop()
        await #expect(throws: ShipdeckError.self) {
            _ = try await workspace.startHost(api: APIServerConfiguration(host: "0.0.0.0", port: 0))
        }
        #expect(WorkspaceLock.runningHolder(workspace: workspace.directory) == nil, "a refused start leaves no lock behind")
    }

    @Test func snapshotIsTheCoreStateAndMatchesTheSpec() async throws {
        let workspace = try await TestWorkspace.make()
        defer { workspace.cleanUp() }
        let host = try await workspace.startHost()
        let reply = try await request(host.server.url + "/v1/snapshot", token: workspace.token)
        let direct = await host.core.snapshot()
        await host.stop()
        #expect(try openAPIViolations(reply.body, schema: "Snapshot") == "")
        // `shipdeck status --json` prints exactly this encoding of the core's snapshot.
        #expect(reply.body == (try APIDocuments.encoder().encode(direct)))
    }

    @Test func theCoreChecksRolesAndClientsGetItsSentence() async throws {
        let workspace = try await TestWorkspace.make()
        defer { workspace.cleanUp() }
        let host = try await workspace.startHost()
        let body = try APIDocuments.encoder().encode(APIDocuments.CommandRequest(command: .deleteCard(id: "SHP-1")))
        // dara has roles prod and oncall, not dev or lead.
        let refused = try await request(host.server.url + "/v1/commands", method: .POST, token: workspace.token,
                                        headers: [(APIDocuments.personHeader, "dara"), ("Content-Type", "application/json")], body: body)
        var direct = ""
        do { try await host.core.perform(.deleteCard(id: "SHP-1"), as: "dara") } catch { direct = String(describing: error) }
        let remote = RemoteCore(locator: CoreLocator(workspace: workspace.directory))
        var viaClient = ""
        do { try await remote.perform(.deleteCard(id: "SHP-1"), as: "dara") } catch { viaClient = String(describing: error) }
        let stranger = try await request(host.server.url + "/v1/commands", method: .POST, token: workspace.token,
                                         headers: [(APIDocuments.personHeader, "mallory")], body: body)
        let anonymous = try await request(host.server.url + "/v1/commands", method: .POST, token: workspace.token, body: body)
        let allowed = try await request(host.server.url + "/v1/commands", method: .POST, token: workspace.token,
                                        headers: [(APIDocuments.personHeader, "fay")], body: body)
        await host.stop()
        #expect(refused.status == 403)
        #expect(try openAPIViolations(refused.body, schema: "Error") == "")
        let sentence = try APIDocuments.decoder().decode(APIDocuments.ErrorBody.self, from: refused.body).error
        #expect(!direct.isEmpty && sentence == direct && viaClient == direct, "API, client and core say the same sentence")
        #expect(stranger.status == 403)
        #expect(anonymous.status == 400)
        #expect(allowed.status == 200)
    }

    @Test func commandRequestsAndEventsMatchTheSpec() async throws {
        let commands: [CoreCommand] = [
            .moveCard(id: "SHP-1", toColumn: "Done"), .startBuild(service: "orders", commit: nil, branch: "main", message: nil),
            .unblock(service: "orders", number: 3, job: "release", fields: ["window": "now"]), .cancelBuild(service: "orders", number: 3),
            .retryJobs(service: "orders", number: 3, job: nil),
        ]
        for command in commands {
            let document = try APIDocuments.encoder().encode(APIDocuments.CommandRequest(command: command))
            #expect(try openAPIViolations(document, schema: "CommandRequest") == "", "\(command)")
        }
        let form = [PlannedJob.Field(key: "window", label: "Window", kind: .select, options: [.init(label: "Now", value: "now")])]
        let build = BuildRecord(id: 1, service: "orders", number: 3, commit: "abc", branch: "main", message: "m", state: .blocked,
                                createdAt: Date(), finishedAt: nil, author: "Ana", source: "poll", startedAt: Date(),
                                jobs: [JobRecord(id: "lint", label: "Lint", kind: "command", state: .passed, exitStatus: 0, startedAt: Date()),
                                       JobRecord(id: "release", label: "Release", kind: "block", state: .blocked, prompt: "Go?", form: form)])
        let event = try APIDocuments.encoder().encode(CoreEvent(sequence: 9, at: Date(), change: .buildUpdated(build: build)))
        #expect(try openAPIViolations(event, schema: "CoreEvent") == "")
        let line = try APIDocuments.encoder().encode(LogLine(line: 1, at: Date(), stream: .stderr, text: "\u{1B}[31mred\u{1B}[0m"))
        #expect(try openAPIViolations(line, schema: "LogLine") == "")
        let card = Card(id: "SHP-1", title: "t", column: "Done", position: 0, createdAt: Date(), updatedAt: Date())
        for change in [CoreEvent.Change.cardUpdated(card: card), .cardDeleted(id: "SHP-1", by: "fay"), .notice(text: "hi")] {
            let event = try APIDocuments.encoder().encode(CoreEvent(sequence: 3, at: Date(), change: change))
            #expect(try openAPIViolations(event, schema: "CoreEvent") == "")
        }
    }
}
