import Foundation
import Testing
@testable import ShipdeckCore

@Suite struct PipelineConditionTests {
    static let context = BuildContext(service: "orders", number: 42, commit: "abc123", branch: "feature/login", message: "Fix [skip deploy]",
                                      author: "Ana", source: "webhook", env: ["DEPLOY": "1"])

    static let cases: [(String, Bool)] = [
        ("build.branch == \"feature/login\"", true),
        ("build.branch != 'main'", true),
        ("build.branch =~ /^feature\\//", true),
        ("build.branch !~ /^feature\\//", false),
        ("build.message =~ /SKIP DEPLOY/i", true),
        ("build.number == 42", true),
        ("build.number == \"42\"", true),
        ("build.commit == \"abc123\" && build.source == \"webhook\"", true),
        ("build.author.name == \"Ana\" || false", true),
        ("build.creator.name == \"Bob\"", false),
        ("!(build.branch == \"main\")", true),
        ("!build.env(\"DEPLOY\")", false),
        ("build.env(\"DEPLOY\") == \"1\"", true),
        ("build.env(\"MISSING\") == null", true),
        ("pipeline.slug == \"orders\"", true),
        ("[\"main\", \"feature/login\"] includes build.branch", true),
        ("build.message includes \"[skip deploy]\"", true),
        ("true && (false || build.number != 41)", true),
        ("build.branch == \"main\" || build.branch =~ /^release\\//", false),
    ]

    @Test(arguments: cases) func evaluatesBuildkiteExpressions(_ source: String, _ expected: Bool) throws {
        #expect(try PipelineCondition(source).evaluate(Self.context) == expected)
    }

    static let invalid: [(String, String, Int)] = [
        ("build.branch ==", "the condition ends too early", 16),
        ("build.brnch == \"x\"", "unknown variable 'build.brnch'", 1),
        ("build.branch == \"x", "unterminated string", 17),
        ("build.branch =~ /(/", "invalid regular expression /(/", 17),
        ("(build.branch == \"x\"", "expected ')'", 21),
        ("build.branch == \"x\" build.commit", "unexpected 'b'", 21),
        ("build.env(NAME)", "build.env needs a quoted variable name", 11),
    ]

    @Test(arguments: invalid) func refusesInvalidExpressionsAtTheirOffset(_ source: String, _ message: String, _ offset: Int) {
        #expect(throws: PipelineCondition.ConditionError.self) { try PipelineCondition(source) }
        do { _ = try PipelineCondition(source) } catch {
            #expect(error.message == message)
            #expect(error.offset == offset)
        }
    }

    @Test func branchFilterMatchesPatternsAndNegations() {
        #expect(BranchFilter("main").matches("main"))
        #expect(!BranchFilter("main").matches("maintenance"))
        #expect(BranchFilter("release/*").matches("release/1.2/hotfix"))
        #expect(BranchFilter("*-stable !old-*").matches("new-stable"))
        #expect(!BranchFilter("*-stable !old-*").matches("old-stable"))
        #expect(BranchFilter("!main").matches("dev"))
        #expect(!BranchFilter("!main").matches("main"))
    }
}
