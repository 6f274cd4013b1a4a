import Foundation

/// A recursive-descent parser for `PipelineCondition` expressions; works on characters of one expression.
struct ConditionParser {
    typealias Expression = PipelineCondition.Expression
    typealias Failure = PipelineCondition.ConditionError

    private let chars: [Character]
    private var index = 0
    /// How many parentheses are open (capped so a hostile expression cannot exhaust the stack).
    private var depth = 0

    init(_ source: String) { chars = Array(source) }

    mutating func parseAll() throws(Failure) -> Expression {
        skipSpaces()
        if index == chars.count { throw failure("the condition is empty", hint: "write e.g. build.branch == \"main\"") }
        let expression = try parseOr()
        skipSpaces()
        if index < chars.count { throw failure("unexpected '\(chars[index])'", hint: "combine conditions with && or ||") }
        return expression
    }

    private func failure(_ message: String, hint: String? = nil, at position: Int? = nil) -> Failure {
        Failure(message: message, offset: (position ?? index) + 1, hint: hint)
    }

    private mutating func skipSpaces() {
        while index < chars.count, chars[index].isWhitespace { index += 1 }
    }

    private mutating func take(_ token: String) -> Bool {
        skipSpaces()
        let tokenChars = Array(token)
        guard index + tokenChars.count <= chars.count, Array(chars[index..<index + tokenChars.count]) == tokenChars else { return false }
        if token.first!.isLetter, index + tokenChars.count < chars.count, isIdentifier(chars[index + tokenChars.count]) { return false }
        index += tokenChars.count
        return true
    }

    private func isIdentifier(_ char: Character) -> Bool { char.isLetter || char.isNumber || char == "_" }

    private mutating func parseOr() throws(Failure) -> Expression {
        var left = try parseAnd()
        while take("||") { left = .or(left, try parseAnd()) }
        return left
    }

    private mutating func parseAnd() throws(Failure) -> Expression {
        var left = try parseUnary()
        while take("&&") { left = .and(left, try parseUnary()) }
        return left
    }

    private mutating func parseUnary() throws(Failure) -> Expression {
        skipSpaces()
        if index + 1 < chars.count, chars[index] == "!", chars[index + 1] != "=", chars[index + 1] != "~" {
            index += 1
            return .not(try parseUnary())
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(Failure) -> Expression {
        let left = try parseOperand()
        for op in [PipelineCondition.Operator.equal, .notEqual, .matches, .notMatches, .includes] where take(op.rawValue) {
            let right = try parseOperand()
            return .compare(op, left, right)
        }
        return left
    }

    private mutating func parseOperand() throws(Failure) -> Expression {
        skipSpaces()
        guard index < chars.count else { throw failure("the condition ends too early", hint: "add a value after the operator") }
        let char = chars[index]
        if char == "(" {
            index += 1
            depth += 1
            if depth > 32 { throw failure("too many nested parentheses") }
            let inner = try parseOr()
            guard take(")") else { throw failure("expected ')'") }
            depth -= 1
            return inner
        }
        if char == "[" { return try parseArray() }
        if char == "\"" || char == "'" { return .string(try parseString()) }
        if char == "/" { return try parseRegex() }
        if char.isNumber || (char == "-" && index + 1 < chars.count && chars[index + 1].isNumber) {
            let start = index
            index += 1
            while index < chars.count, chars[index].isNumber { index += 1 }
            guard let number = Int(String(chars[start..<index])) else { throw failure("number too large", at: start) }
            return .number(number)
        }
        if char.isLetter { return try parseName() }
        throw failure("unexpected '\(char)'", hint: "expected a value such as build.branch, \"text\", 42 or /regex/")
    }

    private mutating func parseArray() throws(Failure) -> Expression {
        index += 1
        var items: [Expression] = []
        if take("]") { return .array(items) }
        repeat { items.append(try parseOperand()) } while take(",")
        guard take("]") else { throw failure("expected ']' or ','") }
        return .array(items)
    }

    private mutating func parseString() throws(Failure) -> String {
        let quote = chars[index], start = index
        index += 1
        var text = ""
        while index < chars.count, chars[index] != quote {
            if chars[index] == "\\", index + 1 < chars.count {
                index += 1
                switch chars[index] {
                case "n": text.append("\n")
                case "t": text.append("\t")
                default: text.append(chars[index])
                }
            } else {
                text.append(chars[index])
            }
            index += 1
        }
        guard index < chars.count else { throw failure("unterminated string", hint: "close it with \(quote)", at: start) }
        index += 1
        return text
    }

    private mutating func parseRegex() throws(Failure) -> Expression {
        let start = index
        index += 1
        var pattern = ""
        while index < chars.count, chars[index] != "/" {
            if chars[index] == "\\", index + 1 < chars.count {
                if chars[index + 1] != "/" { pattern.append("\\") }
                index += 1
            }
            pattern.append(chars[index])
            index += 1
        }
        guard index < chars.count else { throw failure("unterminated regular expression", hint: "close it with /", at: start) }
        index += 1
        var insensitive = false
        if index < chars.count, chars[index] == "i" { insensitive = true; index += 1 }
        if (try? NSRegularExpression(pattern: pattern)) == nil {
            throw failure("invalid regular expression /\(pattern)/", at: start)
        }
        return .regex(pattern: pattern, caseInsensitive: insensitive)
    }

    private mutating func parseName() throws(Failure) -> Expression {
        let start = index
        while index < chars.count, isIdentifier(chars[index]) || chars[index] == "." { index += 1 }
        let name = String(chars[start..<index])
        switch name {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null", "nil": return .null
        case "build.env":
            guard take("(") else { throw failure("build.env needs a variable name", hint: "write build.env(\"NAME\")") }
            skipSpaces()
            guard index < chars.count, chars[index] == "\"" || chars[index] == "'" else {
                throw failure("build.env needs a quoted variable name", hint: "write build.env(\"NAME\")")
            }
            let variable = try parseString()
            guard take(")") else { throw failure("expected ')'") }
            return .env(variable)
        default:
            guard PipelineCondition.variables.contains(name) else {
                throw failure("unknown variable '\(name)'", hint: Suggestion.hint(for: name, in: PipelineCondition.variables + ["build.env(\"NAME\")"]),
                              at: start)
            }
            return .variable(name)
        }
    }
}
