import Foundation
import Testing
@testable import ShipdeckCore

@Suite struct ConfigLoaderTests {
    @Test func validConfigParsesEverySection() throws {
        let config = try Fixtures.config()
        #expect(config.name == "Shipdeck")
        #expect(config.cardPrefix == "SHP")
        #expect(config.theme == "dusk")
        #expect(config.user == "ana")
        #expect(config.services.map(\.name) == ["orders", "payments"])
        let orders = try #require(config.service(named: "orders"))
        #expect(orders.pipeline == ".buildkite/pipeline.yml")
        #expect(orders.health == HealthCheckConfig(path: "/health", interval: 5, timeout: 2, rise: 3))
        #expect(orders.instances == ["test": 1, "prod": 2])
        #expect(orders.env == ["prod": ["LOG_LEVEL": "warn"]])
        #expect(config.service(named: "payments")?.pipeline == "ci/pipeline.yml")
        #expect(config.environments == EnvironmentConfig.defaults)
        #expect(config.currentEnvironment == "test")
        #expect(config.endpointPort(service: orders, environment: "prod") == 9100)
        #expect(config.person("ana") == PersonConfig(handle: "ana", name: "Ana Ruiz", roles: ["dev", "oncall"], email: "ana@example.com"))
        #expect(config.onCall.timeZone == "Europe/Berlin")
        #expect(config.onCall.rotas.map(\.name) == ["dingo", "owl", "squid"])
        let owl = config.onCall.rotas[1]
        #expect(owl.handoff == Handoff(weekday: .mon, time: TimeOfDay(hour: 18, minute: 0)))
        #expect(owl.hours == TimeWindow(start: TimeOfDay(hour: 18, minute: 0), end: TimeOfDay(hour: 9, minute: 0)))
        #expect(config.onCall.rotas[0].days == [.mon, .tue, .wed, .thu, .fri])
        #expect(config.board == BoardConfig())
        #expect(config.databaseFile.path == "/work/ws/.shipdeck/state.sqlite")
    }

    @Test func unknownKeySuggestsClosestKey() {
        let errors = Fixtures.errors(Fixtures.replacing(line: 9, with: "    prot: 8100"))
        #expect(errors.contains("shipdeck.yml:9:5: unknown key 'prot' in services.orders (did you mean 'port'?)"))
    }

    @Test func unknownTopLevelKeyListsChoicesWhenNothingIsClose() {
        let errors = Fixtures.errors("name: x\nzzzzzzzzzz: 1\n")
        #expect(errors == ["shipdeck.yml:2:1: unknown key 'zzzzzzzzzz' in the top level (expected one of: "
                           + ConfigParser.rootKeys.joined(separator: ", ") + ")"])
    }

    @Test func missingRequiredKeyPointsAtItsSection() {
        let errors = Fixtures.errors(Fixtures.replacing(line: 8, with: "    # no run"))
        #expect(errors == ["shipdeck.yml:6:3: services.orders is missing required key 'run' (add `run:` under services.orders)"])
    }

    @Test func wrongTypeNamesTheValue() {
        let errors = Fixtures.errors(Fixtures.replacing(line: 9, with: "    port: \"8100\""))
        #expect(errors == ["shipdeck.yml:9:11: services.orders.port must be a whole number, not '8100' (pick a free port from 1024 to 64535; each further environment adds 1000)"])
    }

    @Test func portOutOfRangeIsRejected() {
        let errors = Fixtures.errors(Fixtures.replacing(line: 9, with: "    port: 80"))
        #expect(errors == ["shipdeck.yml:9:11: services.orders.port must be between 1024 and 64535, not 80 (pick a free port from 1024 to 64535; each further environment adds 1000)"])
    }

    @Test func duplicatePortIsRejected() {
        let errors = Fixtures.errors(Fixtures.replacing(line: 18, with: "    port: 8100"))
        #expect(errors == ["shipdeck.yml:18:11: port 8100 of services.payments in test is already used by services.orders (give each service its own port (environments add 1000 per step))"])
    }

    @Test func unknownPersonInRotaSuggestsAHandle() {
        let errors = Fixtures.errors(Fixtures.replacing(line: 28, with: "    squid: {people: [anna], rotation: weekly, handoff: \"mon 09:00\"}"))
        #expect(errors == ["shipdeck.yml:28:22: oncall.rotas.squid names unknown person 'anna' (did you mean 'ana'?)"])
    }

    @Test func instancesForUnknownEnvironmentAreRejected() {
        let errors = Fixtures.errors(Fixtures.replacing(line: 11, with: "    instances: {test: 1, staging: 2}"))
        #expect(errors == ["shipdeck.yml:11:26: services.orders.instances names unknown environment 'staging' (expected one of: test, prod)"])
    }

    @Test func badTimeFormatsAreRejected() {
        let text = Fixtures.replacing(line: 27, with: "    owl: {people: [ben], rotation: weekly, handoff: \"mon 25:00\", hours: \"18-9\"}")
        #expect(Fixtures.errors(text) == [
            "shipdeck.yml:27:53: oncall.rotas.owl.handoff 'mon 25:00' is not a valid handoff time (write \"mon 09:00\" (weekly) or \"09:00\" (daily))",
            "shipdeck.yml:27:73: oncall.rotas.owl.hours '18-9' is not a valid window (write \"09:00-18:00\", or \"18:00-09:00\" across midnight)",
        ])
    }

    @Test func weeklyRotationNeedsADay() {
        let errors = Fixtures.errors(Fixtures.replacing(line: 28, with: "    squid: {people: [ana], rotation: weekly, handoff: \"09:00\"}"))
        #expect(errors == ["shipdeck.yml:28:55: oncall.rotas.squid.handoff '09:00' needs a day for a weekly rotation (write e.g. \"mon 09:00\")"])
    }

    @Test func unknownTimeZoneIsRejected() {
        let errors = Fixtures.errors(Fixtures.replacing(line: 24, with: "  timezone: Mars/Olympus"))
        #expect(errors == ["shipdeck.yml:24:13: unknown time zone 'Mars/Olympus' in oncall.timezone (use an IANA name such as Europe/Berlin or UTC)"])
    }

    @Test func everyErrorIsReportedInOnePass() {
        var lines = Fixtures.validLines
        lines[8] = "    prot: 8100"
        lines[23] = "  timezone: Nowhere"
        lines[20] = "  ben: {name: Ben Okafor, roles: prod}"
        let errors = Fixtures.errors(lines.joined(separator: "\n"))
        #expect(errors.count == 4)  // unknown key, the now missing port, roles not a list, time zone
        #expect(errors.contains { $0.hasPrefix("shipdeck.yml:6:3: services.orders is missing required key 'port'") })
        #expect(errors.contains { $0.hasPrefix("shipdeck.yml:21:34: people.ben.roles must be a list") }, "\(errors)")
    }

    @Test func yamlSyntaxErrorCarriesLineAndColumn() throws {
        let errors = ConfigLoader.parse("name: x\nservices:\n  orders: {repo: a\n", file: Fixtures.file).errors
        let location = try #require(errors.first?.location)
        #expect(errors.count == 1)
        #expect(location.file == "shipdeck.yml")
        #expect(location.line == 4)
        #expect(errors[0].message.hasPrefix("YAML syntax error"))
    }

    @Test func duplicateKeyIsASyntaxErrorWithLocation() {
        let errors = ConfigLoader.parse("name: x\nname: y\n", file: Fixtures.file).errors
        #expect(errors.map(\.description) == ["shipdeck.yml:1:1: key 'name' appears twice in one mapping (keep one of them)"])
    }

    @Test func loadThrowsAllErrorsAndValidateReturnsThem() throws {
        let folder = try TemporaryFolder()
        defer { folder.cleanup() }
        try folder.write(Fixtures.replacing(line: 9, with: "    port: 99999"), to: "shipdeck.yml")
        let file = folder.url.appendingPathComponent("shipdeck.yml")
        #expect(throws: ShipdeckErrors.self) { try ConfigLoader.load(file: file, environment: [:]) }
        #expect(ConfigLoader.validate(file: file).map(\.location?.line) == [9])
    }

    @Test func missingFileSaysHowToCreateOne() {
        let errors = ConfigLoader.validate(file: URL(fileURLWithPath: "/nonexistent/shipdeck.yml"))
        #expect(errors.map(\.kind) == [.notFound])
        #expect(errors.first?.hint?.contains("shipdeck init") == true)
    }

    @Test func editDistanceCountsEdits() {
        #expect(Suggestion.editDistance("prot", "port") == 1)
        #expect(Suggestion.editDistance("kitten", "sitting") == 3)
        #expect(Suggestion.closest(to: "instance", in: ServiceConfig.keysForTests) == "instances")
    }
}

extension ServiceConfig {
    static let keysForTests = ConfigParser.serviceKeys
}
