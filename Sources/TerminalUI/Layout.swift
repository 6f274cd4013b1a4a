/// How much of a split one part takes.
///
/// Priority when space is short: `length` and `min` parts are served first, then `percentage`,
/// then `fill` parts share what is left by weight.
/// ```
/// [length 3][ percentage 30 ][ fill 1 ......... ][ fill 2 ................... ]
/// ```
public enum Constraint: Sendable, Hashable {
    case length(Int)
    case percentage(Int)
    case min(Int)
    case fill(Int)
}

public enum Axis: Sendable { case horizontal, vertical }

public enum Layout {
    /// Splits `rect` along `axis` into one rectangle per constraint (same order), with `spacing` cells between.
    public static func split(_ rect: Rect, _ axis: Axis, _ constraints: [Constraint], spacing: Int = 0) -> [Rect] {
        let total = axis == .horizontal ? rect.width : rect.height
        let available = max(0, total - spacing * max(0, constraints.count - 1))
        var sizes = constraints.map { constraint -> Int in
            switch constraint {
            case .length(let n), .min(let n): return n
            case .percentage(let p): return available * p / 100
            case .fill: return 0
            }
        }
        var used = sizes.reduce(0, +)
        if used > available {
            // Shrink from the last part backwards so the first parts keep their size.
            for index in sizes.indices.reversed() where used > available {
                let cut = Swift.min(sizes[index], used - available)
                sizes[index] -= cut
                used -= cut
            }
        }
        let fillWeights = constraints.map { constraint -> Int in
            switch constraint {
            case .fill(let w): return w
            case .min: return 1
            default: return 0
            }
        }
        let weightSum = fillWeights.reduce(0, +)
        var remaining = available - used
        if weightSum > 0 && remaining > 0 {
            let share = remaining
            var lastWeighted = -1
            for index in constraints.indices where fillWeights[index] > 0 {
                let extra = share * fillWeights[index] / weightSum
                sizes[index] += extra
                remaining -= extra
                lastWeighted = index
            }
            if lastWeighted >= 0 { sizes[lastWeighted] += remaining }
        }
        var offset = axis == .horizontal ? rect.x : rect.y
        return sizes.map { size in
            defer { offset += size + spacing }
            return axis == .horizontal
                ? Rect(x: offset, y: rect.y, width: size, height: rect.height)
                : Rect(x: rect.x, y: offset, width: rect.width, height: size)
        }
    }
}
