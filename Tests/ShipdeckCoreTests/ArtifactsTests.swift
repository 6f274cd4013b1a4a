import Foundation
import Testing
@testable import ShipdeckCore

@Suite struct ArtifactsTests {
    @Test func globsMatchLikeBuildkiteArtifactPaths() {
        #expect(Artifacts.matches("build/*.tar.gz", "build/orders-3.tar.gz"))
        #expect(!Artifacts.matches("build/*.tar.gz", "build/sub/orders.tar.gz"), "* stops at /")
        #expect(Artifacts.matches("build/**/*.xml", "build/a/b/report.xml"))
        #expect(Artifacts.matches("build/**/*.xml", "build/report.xml"))
        #expect(Artifacts.matches("./coverage.txt", "coverage.txt"))
    }

    @Test func collectCopiesMatchingFilesKeepingTheirPaths() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("artifacts-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let checkout = root.appendingPathComponent("checkout")
        try FileManager.default.createDirectory(at: checkout.appendingPathComponent("build/logs"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: checkout.appendingPathComponent(".git"), withIntermediateDirectories: true)
        try Data("a".utf8).write(to: checkout.appendingPathComponent("build/app.tar.gz"))
        try Data("b".utf8).write(to: checkout.appendingPathComponent("build/logs/test.log"))
        try Data("c".utf8).write(to: checkout.appendingPathComponent("README.md"))
        try Data("d".utf8).write(to: checkout.appendingPathComponent(".git/app.tar.gz"))
        let destination = root.appendingPathComponent("artifacts/build-image")
        let copied = try Artifacts.collect(patterns: ["build/*.tar.gz", "build/**/*.log"], from: checkout, into: destination)
        #expect(copied == ["build/app.tar.gz", "build/logs/test.log"])
        #expect(try String(contentsOf: destination.appendingPathComponent("build/logs/test.log"), encoding: .utf8) == "b")
    }
}
