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
        #expect(try await openAPIViolations(reply.body, schema: "Liveness") == "")
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
            #expect(try await openAPIViolations(missing.body, schema: "Error") == "")
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

    @Test func passiveResultsAreValidatedAndAnsweredPerTheSpec() async throws {
        let workspace = try await TestWorkspace.make()
        defer { workspace.cleanUp() }
        let host = try await workspace.startHost()
        let url = host.server.url
        func post(_ path: String, _ json: String, token: String? = workspace.token) async throws -> Reply {
            try await request(url + path, method: .POST, token: token, headers: [("Content-Type", "application/json")], body: Data(json.utf8))
        }
        let anonymous = try await post("/v1/checks/results", #"{"service":"orders","environment":"test","status":"ok"}"#, token: nil)
        let badStatus = try await post("/v1/checks/results", #"{"service":"orders","environment":"test","status":"fine"}"#)
        let missing = try await post("/v1/heartbeats", #"{"environment":"test"}"#)
        let unknown = try await post("/v1/heartbeats", #"{"service":"ordrs","environment":"test"}"#)
        let nobody = try await post("/v1/checks/results", #"{"service":"orders","environment":"test","status":2,"output":"QUEUE CRITICAL"}"#)
        let noInstance = try await request(url + "/v1/instances/orders-test-9-9/check", token: workspace.token)
        await host.stop()
        #expect(anonymous.status == 401)
        #expect(badStatus.status == 400)
        #expect(badStatus.text.contains("'status': status 'fine' is not ok, warning, critical or unknown"), "\(badStatus.text)")
        #expect(missing.status == 400 && missing.text.contains("'service' is missing"), "\(missing.text)")
        #expect(unknown.status == 404 && unknown.text.contains("did you mean 'orders'"), "\(unknown.text)")
        #expect(nobody.status == 404 && nobody.text.contains("orders runs no instance in test"), "\(nobody.text)")
        #expect(noInstance.status == 404)
        for reply in [anonymous, badStatus, missing, unknown, nobody, noInstance] {
            #expect(try await openAPIViolations(reply.body, schema: "Error") == "")
        }
        let reply = try APIDocuments.encoder().encode(APIDocuments.CheckResultReply(applied: ["orders-test-1-1"]))
        #expect(try await openAPIViolations(reply, schema: "CheckResultReply") == "")
        let result = try APIDocuments.encoder().encode(APIDocuments.CheckResultRequest(service: "orders", environment: "test", instance: nil,
                                                                                        status: .warning, output: "QUEUE WARNING | jobs=12;10;20"))
        #expect(try await openAPIViolations(result, schema: "CheckResultRequest") == "")
        #expect(try APIDocuments.decoder().decode(APIDocuments.CheckResultRequest.self, from: result).status == .warning)
    }

    @Test func healthCommandsEventsAndCheckDetailsMatchTheSpec() async throws {
        let commands: [CoreCommand] = [
            .forceCheck(instance: "orders-test-1-1"),
            .scheduleDowntime(service: "orders", environment: "prod", instance: nil, duration: 3600, flexibleWindow: 7200, comment: "migration"),
            .cancelDowntime(id: UUID()),
            .submitCheckResult(service: "orders", environment: "test", instance: "orders-test-1-1", status: .critical, output: "down"),
        ]
        for command in commands {
            let document = try APIDocuments.encoder().encode(APIDocuments.CommandRequest(command: command))
            #expect(try await openAPIViolations(document, schema: "CommandRequest") == "", "\(command)")
        }
        let event = HealthEvent(id: 4, instance: "orders-test-1-1", service: "orders", environment: "test", at: Date(), kind: .hard,
                                status: .critical, stateType: .hard, attempt: "3/3", output: "HTTP CRITICAL: 503", suppressed: "downtime")
        let change = try APIDocuments.encoder().encode(CoreEvent(sequence: 5, at: Date(), change: .healthChanged(event: event)))
        #expect(try await openAPIViolations(change, schema: "CoreEvent") == "")
        let downtime = DowntimeRecord(downtime: .flexible(from: Date(), to: Date().addingTimeInterval(60), duration: 30, comment: "x"),
                                      service: "orders", environment: "test", instance: nil, by: "ana")
        let detail = CheckDetail(instance: "orders-test-1-1", service: "orders", environment: "test", kind: "http",
                                 target: "GET http://127.0.0.1:1/health", status: .critical, stateType: .soft, attempt: 2, maxAttempts: 3,
                                 lastCheck: Date(), lastStateChange: Date(), nextCheck: Date(), output: "HTTP CRITICAL", longOutput: "",
                                 perfdata: [PerfDatum(label: "time", value: 0.001, unit: "s", min: 0)], duration: 0.001, flapping: false,
                                 percentStateChange: 12.5, perfHistory: [PerfSeries(label: "time", unit: "s", values: [0.001, 0.002])],
                                 history: [event], downtimes: [downtime], inDowntime: false)
        #expect(try await openAPIViolations(try APIDocuments.encoder().encode(detail), schema: "CheckDetail") == "")
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
        #expect(try await openAPIViolations(reply.body, schema: "Snapshot") == "")
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
        #expect(try await openAPIViolations(refused.body, schema: "Error") == "")
        let sentence = try APIDocuments.decoder().decode(APIDocuments.ErrorBody.self, from: refused.body).error
        #expect(!direct.isEmpty && sentence == direct && viaClient == direct, "API, client and core say the same sentence")
        #expect(stranger.status == 403)
        #expect(anonymous.status == 400)
        #expect(allowed.status == 200)
    }

    @Test func cardHistoryMatchesTheSpecAndAnUnknownCardIs404() async throws {
        let workspace = try await TestWorkspace.make()
        defer { workspace.cleanUp() }
        let host = try await workspace.startHost()
        try await host.core.perform(.addCard(title: "Cache prices", services: ["orders"]), as: "fay")
        let body = try APIDocuments.encoder().encode(APIDocuments.CommandRequest(command: .addCard(title: "Cache prices")))
        let added = try await request(host.server.url + "/v1/commands", method: .POST, token: workspace.token,
                                      headers: [(APIDocuments.personHeader, "fay")], body: body)
        let viaClient = try await RemoteCore(locator: CoreLocator(workspace: workspace.directory)).perform(.addCard(title: "Cache prices"), as: "fay")
        let snapshot = await host.core.snapshot()
        let ids = snapshot.board.columns.flatMap(\.cards).filter { $0.title == "Cache prices" }.map(\.id).sorted()
        let id = try #require(ids.first)
        // A command that creates a card names it, so a client never has to guess it by its title.
        #expect(added.status == 200)
        #expect(try await openAPIViolations(added.body, schema: "CommandOutcome") == "")
        #expect(try APIDocuments.decoder().decode(CommandOutcome.self, from: added.body).card == ids.dropFirst().first)
        #expect(viaClient.card == ids.last && ids.count == 3)
        let history = try await request(host.server.url + "/v1/cards/\(id)/history", token: workspace.token)
        let missing = try await request(host.server.url + "/v1/cards/SHP-999/history", token: workspace.token)
        await host.stop()
        #expect(history.status == 200)
        #expect(history.text.contains("created in Backlog"))
        #expect(missing.status == 404)
        #expect(try await openAPIViolations(missing.body, schema: "Error") == "")
    }

    @Test func commandRequestsAndEventsMatchTheSpec() async throws {
        let commands: [CoreCommand] = [
            .moveCard(id: "SHP-1", toColumn: "Done"), .startBuild(service: "orders", commit: nil, branch: "main", message: nil),
            .unblock(service: "orders", number: 3, job: "release", fields: ["window": "now"]), .cancelBuild(service: "orders", number: 3),
            .retryJobs(service: "orders", number: 3, job: nil),
            .moveCard(id: "SHP-1", toColumn: "Done", override: true),
            .addCard(title: "Cache prices", description: "why", services: ["orders"], labels: ["perf"], assignee: "ana", column: "Backlog"),
            .addCard(title: "Only a title"),
            .editCard(id: "SHP-1", title: "t", description: "", services: [], labels: [], assignee: nil),
            .reorderCard(id: "SHP-1", by: -1), .assignCard(id: "SHP-1", to: "ana"), .assignCard(id: "SHP-1", to: nil),
            .importCards(cards: [Card(id: "SHP-9", title: "t", column: "Backlog", position: 0, createdAt: Date(), updatedAt: Date())]),
        ]
        for command in commands {
            let document = try APIDocuments.encoder().encode(APIDocuments.CommandRequest(command: command))
            #expect(try await openAPIViolations(document, schema: "CommandRequest") == "", "\(command)")
        }
        let form = [PlannedJob.Field(key: "window", label: "Window", kind: .select, options: [.init(label: "Now", value: "now")])]
        let build = BuildRecord(id: 1, service: "orders", number: 3, commit: "abc", branch: "main", message: "m", state: .blocked,
                                createdAt: Date(), finishedAt: nil, author: "Ana", source: "poll", startedAt: Date(),
                                jobs: [JobRecord(id: "lint", label: "Lint", kind: "command", state: .passed, exitStatus: 0, startedAt: Date()),
                                       JobRecord(id: "release", label: "Release", kind: "block", state: .blocked, prompt: "Go?", form: form)])
        let event = try APIDocuments.encoder().encode(CoreEvent(sequence: 9, at: Date(), change: .buildUpdated(build: build)))
        #expect(try await openAPIViolations(event, schema: "CoreEvent") == "")
        let line = try APIDocuments.encoder().encode(LogLine(line: 1, at: Date(), stream: .stderr, text: "\u{1B}[31mred\u{1B}[0m"))
        #expect(try await openAPIViolations(line, schema: "LogLine") == "")
        let card = Card(id: "SHP-1", title: "t", column: "Done", position: 0, createdAt: Date(), updatedAt: Date(),
                        commits: [CardCommit(service: "orders", sha: "abc123", subject: "SHP-1 t", author: "Ana", builds: [3], runsIn: ["test"])],
                        flag: "rolled back", inProdSince: Date())
        for change in [CoreEvent.Change.cardUpdated(card: card), .cardDeleted(id: "SHP-1", by: "fay"), .notice(text: "hi")] {
            let event = try APIDocuments.encoder().encode(CoreEvent(sequence: 3, at: Date(), change: change))
            #expect(try await openAPIViolations(event, schema: "CoreEvent") == "")
        }
    }
}
