import Foundation
@testable import ShipdeckCore

/// A fresh temporary folder, removed by `cleanup()`.
struct TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("shipdeck-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func write(_ text: String, to path: String) throws {
        let file = url.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: file, atomically: true, encoding: .utf8)
    }

    func cleanup() { try? FileManager.default.removeItem(at: url) }
}

enum Fixtures {
    static let file = URL(fileURLWithPath: "/work/ws/shipdeck.yml")

    /// A valid config; line numbers matter to the error tests, so edit with care.
    static let validLines = [
        "name: Shipdeck",                                        // 1
        "card_prefix: SHP",                                      // 2
        "theme: dusk",                                           // 3
        "user: ana",                                             // 4
        "services:",                                             // 5
        "  orders:",                                             // 6
        "    repo: services/orders",                             // 7
        "    run: python3 app.py",                               // 8
        "    port: 8100",                                        // 9
        "    health: {path: /health, interval: 5, timeout: 2, rise: 3}", // 10
        "    instances: {test: 1, prod: 2}",                     // 11
        "    env:",                                              // 12
        "      prod: {LOG_LEVEL: warn}",                         // 13
        "  payments:",                                           // 14
        "    repo: services/payments",                           // 15
        "    pipeline: ci/pipeline.yml",                         // 16
        "    run: python3 app.py",                               // 17
        "    port: 8101",                                        // 18
        "people:",                                               // 19
        "  ana: {name: Ana Ruiz, roles: [dev, oncall], email: ana@example.com}", // 20
        "  ben: {name: Ben Okafor, roles: [prod]}",              // 21
        "  eli: {name: Eli Novak, roles: [qa]}",                 // 22
        "oncall:",                                               // 23
        "  timezone: Europe/Berlin",                             // 24
        "  rotas:",                                              // 25
        "    dingo: {people: [ana, ben], rotation: daily, handoff: \"09:00\", hours: \"09:00-18:00\", days: [mon, tue, wed, thu, fri]}", // 26
        "    owl: {people: [ben, ana], rotation: weekly, handoff: mon 18:00, hours: 18:00-09:00}", // 27
        "    squid: {people: [ana], rotation: weekly, handoff: \"mon 09:00\"}", // 28
    ]

    static var valid: String { validLines.joined(separator: "\n") + "\n" }

    /// The valid config with line `number` (1-based) replaced.
    static func replacing(line number: Int, with text: String) -> String {
        var lines = validLines
        lines[number - 1] = text
        return lines.joined(separator: "\n") + "\n"
    }

    static func config(_ text: String = valid, environment: [String: String] = [:]) throws -> WorkspaceConfig {
        let (config, errors) = ConfigLoader.parse(text, file: file, environment: environment)
        if !errors.isEmpty { throw ShipdeckErrors(errors) }
        return config!
    }

    static func errors(_ text: String, environment: [String: String] = [:]) -> [String] {
        ConfigLoader.parse(text, file: file, environment: environment).errors.map(\.description)
    }
}

extension Date {
    /// A UTC instant from `yyyy-MM-dd HH:mm`.
    static func utc(_ text: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.date(from: text)!
    }
}
