import Foundation

/// One performance data item of a Nagios plugin: `'label'=value[UOM];[warn];[crit];[min];[max]`
/// (Nagios plugin development guidelines, "Performance data").
public struct PerfDatum: Codable, Sendable, Equatable {
    /// The label, unquoted (`''` inside quotes becomes `'`).
    public var label: String
    /// The value; nil when the plugin wrote `U` (it could not determine one). Not NaN, so a
    /// datum stays `Equatable` and encodes to JSON.
    public var value: Double?
    /// The unit of measure: empty, `s`, `ms`, `us`, `%`, `B`, `KB`, `MB`, `GB`, `TB` or `c`.
    public var unit: String
    /// The warning threshold in Nagios range syntax (`10`, `~:5`, `@1:3`), nil when empty.
    public var warn: String?
    /// The critical threshold in Nagios range syntax, nil when empty.
    public var crit: String?
    public var min: Double?
    public var max: Double?

    /// The units the guidelines allow (plus `GB`, which monitoring-plugins' check_disk prints).
    public static let units: Set<String> = ["", "s", "ms", "us", "%", "B", "KB", "MB", "GB", "TB", "c"]

    /// Creates a datum.
    public init(label: String, value: Double?, unit: String = "", warn: String? = nil, crit: String? = nil,
                min: Double? = nil, max: Double? = nil) {
        self.label = label
        self.value = value
        self.unit = unit
        self.warn = warn
        self.crit = crit
        self.min = min
        self.max = max
    }

    /// Parses a space-separated perfdata string, skipping malformed items.
    /// - Parameter text: e.g. `time=0.000917s;;;0.000000;10.000000 size=326B;;;0`.
    /// - Returns: the well-formed items in order; never throws or traps on garbage.
    public static func parseList(_ text: String) -> [PerfDatum] {
        let chars = Array(text)
        var index = 0
        var items: [PerfDatum] = []
        func skipToken() { while index < chars.count, !chars[index].isWhitespace { index += 1 } }
        while index < chars.count {
            if chars[index].isWhitespace { index += 1; continue }
            var label = ""
            var closed = true
            if chars[index] == "'" {
                closed = false
                index += 1
                while index < chars.count {
                    if chars[index] == "'" {
                        if index + 1 < chars.count, chars[index + 1] == "'" { label.append("'"); index += 2; continue }
                        index += 1
                        closed = true
                        break
                    }
                    label.append(chars[index])
                    index += 1
                }
            } else {
                while index < chars.count, chars[index] != "=", !chars[index].isWhitespace {
                    label.append(chars[index])
                    index += 1
                }
            }
            guard closed, !label.isEmpty, index < chars.count, chars[index] == "=" else { skipToken(); continue }
            index += 1
            let start = index
            skipToken()
            if let item = PerfDatum(label: label, field: String(chars[start..<index])) { items.append(item) }
        }
        return items
    }

    /// Parses the part after `=`: `value[UOM];[warn];[crit];[min];[max]`; nil when malformed.
    init?(label: String, field: String) {
        let parts = field.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        guard let first = parts.first, !first.isEmpty else { return nil }
        var value: Double?
        var unit = ""
        if first != "U" {
            let number = first.prefix { "0123456789.-+eE".contains($0) }
            // Give back a trailing exponent marker that belongs to no number ("5e" is not 5 × 10^?).
            var digits = String(number)
            while let last = digits.last, "eE+-".contains(last), Double(digits) == nil { digits.removeLast() }
            guard let parsed = Double(digits), parsed.isFinite else { return nil }
            value = parsed
            unit = String(first.dropFirst(digits.count))
            guard Self.units.contains(unit) else { return nil }
        }
        func part(_ i: Int) -> String? {
            guard i < parts.count else { return nil }
            let text = parts[i].trimmingCharacters(in: .whitespaces)
            return text.isEmpty ? nil : text
        }
        self.init(label: label, value: value, unit: unit, warn: part(1), crit: part(2),
                  min: part(3).flatMap(Double.init).flatMap { $0.isFinite ? $0 : nil },
                  max: part(4).flatMap(Double.init).flatMap { $0.isFinite ? $0 : nil })
    }
}
