import Foundation

/// A Buildkite conditional expression (`if:`), parsed when the pipeline is read and evaluated per build.
///
/// Grammar: `||` below `&&` below `!`, then one comparison (`==`, `!=`, `=~`, `!~`, `includes`) between
/// operands: string, number, `true`/`false`/`null`, `/regex/` (flag `i`), `[array]`, parentheses, and the
/// variables `build.branch`, `build.commit`, `build.message`, `build.number`, `build.source`,
/// `build.author.name`, `build.creator.name`, `build.env("X")` and `pipeline.slug`.
public struct PipelineCondition: Sendable, Equatable {
    public indirect enum Expression: Sendable, Equatable {
        case string(String)
        case number(Int)
        case bool(Bool)
        case null
        case regex(pattern: String, caseInsensitive: Bool)
        case array([Expression])
        case variable(String)
        case env(String)
        case not(Expression)
        case and(Expression, Expression)
        case or(Expression, Expression)
        case compare(Operator, Expression, Expression)
    }

    public enum Operator: String, Sendable, Equatable {
        case equal = "==", notEqual = "!=", matches = "=~", notMatches = "!~", includes
    }

    /// A value an expression evaluates to.
    public enum Value: Sendable, Equatable {
        case string(String), number(Int), bool(Bool), null, array([Value])
        case regex(pattern: String, caseInsensitive: Bool)
    }

    /// The variables an expression may read.
    public static let variables = ["build.branch", "build.commit", "build.message", "build.number", "build.source",
                                   "build.author.name", "build.creator.name", "pipeline.slug"]

    public var source: String
    public var expression: Expression

    /// Parses `source`.
    /// - Throws: a message saying what is wrong and at which character (1-based offset into `source`).
    public init(_ source: String) throws(ConditionError) {
        self.source = source
        var parser = ConditionParser(source)
        expression = try parser.parseAll()
    }

    /// Whether the step runs in `context` (`build.env` reads `context.env`, then `pipelineEnv`).
    public func evaluate(_ context: BuildContext, pipelineEnv: [String: String] = [:]) -> Bool {
        Self.truthy(Self.value(of: expression, context, pipelineEnv))
    }

    /// A problem in an expression: `offset` is the 1-based character position in the expression.
    public struct ConditionError: Error, Sendable, Equatable {
        public var message: String
        public var offset: Int
        public var hint: String?
    }

    static func value(of expression: Expression, _ context: BuildContext, _ env: [String: String]) -> Value {
        switch expression {
        case .string(let text): return .string(text)
        case .number(let number): return .number(number)
        case .bool(let flag): return .bool(flag)
        case .null: return .null
        case .regex(let pattern, let insensitive): return .regex(pattern: pattern, caseInsensitive: insensitive)
        case .array(let items): return .array(items.map { value(of: $0, context, env) })
        case .env(let name): return (context.env[name] ?? env[name]).map(Value.string) ?? .null
        case .variable(let name):
            switch name {
            case "build.branch": return .string(context.branch)
            case "build.commit": return .string(context.commit)
            case "build.message": return .string(context.message)
            case "build.number": return .number(context.number)
            case "build.source": return .string(context.source)
            case "build.author.name", "build.creator.name": return .string(context.author)
            case "pipeline.slug": return .string(context.service)
            default: return .null
            }
        case .not(let inner): return .bool(!truthy(value(of: inner, context, env)))
        case .and(let left, let right): return .bool(truthy(value(of: left, context, env)) && truthy(value(of: right, context, env)))
        case .or(let left, let right): return .bool(truthy(value(of: left, context, env)) || truthy(value(of: right, context, env)))
        case .compare(let op, let left, let right):
            return .bool(compare(op, value(of: left, context, env), value(of: right, context, env)))
        }
    }

    static func truthy(_ value: Value) -> Bool {
        switch value {
        case .bool(let flag): return flag
        case .null: return false
        case .string(let text): return !text.isEmpty
        case .number(let number): return number != 0
        case .array(let items): return !items.isEmpty
        case .regex: return true
        }
    }

    static func compare(_ op: Operator, _ left: Value, _ right: Value) -> Bool {
        switch op {
        case .equal: return equal(left, right)
        case .notEqual: return !equal(left, right)
        case .matches: return matches(left, right)
        case .notMatches: return !matches(left, right)
        case .includes:
            switch left {
            case .array(let items): return items.contains { equal($0, right) }
            case .string(let text): if case .string(let part) = right { return text.contains(part) } else { return false }
            default: return false
            }
        }
    }

    static func equal(_ left: Value, _ right: Value) -> Bool {
        switch (left, right) {
        case (.number(let number), .string(let text)), (.string(let text), .number(let number)): return String(number) == text
        case (.regex, _), (_, .regex): return matches(left, right)
        default: return left == right
        }
    }

    static func matches(_ left: Value, _ right: Value) -> Bool {
        let (subject, pattern): (Value, Value) = if case .regex = right { (left, right) } else { (right, left) }
        guard case .regex(let source, let insensitive) = pattern else { return false }
        let text: String
        switch subject {
        case .string(let value): text = value
        case .number(let value): text = String(value)
        default: return false
        }
        guard let regex = try? NSRegularExpression(pattern: source, options: insensitive ? [.caseInsensitive] : []) else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
