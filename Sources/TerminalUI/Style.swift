/// A terminal colour. `rgb` colours are mapped to the nearest colour the terminal can show.
public enum Color: Sendable, Hashable {
    case `default`
    /// One of the 16 ANSI colours (0–15).
    case ansi(UInt8)
    /// One of the 256 xterm colours.
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)

    public static let black = Color.ansi(0), red = Color.ansi(1), green = Color.ansi(2), yellow = Color.ansi(3)
    public static let blue = Color.ansi(4), magenta = Color.ansi(5), cyan = Color.ansi(6), white = Color.ansi(7)
    public static let brightBlack = Color.ansi(8), brightWhite = Color.ansi(15)
}

/// Text attributes that every terminal, even a monochrome one, can show.
public struct Attributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = Attributes(rawValue: 1 << 0)
    public static let underline = Attributes(rawValue: 1 << 1)
    public static let reverse = Attributes(rawValue: 1 << 2)
    public static let dim = Attributes(rawValue: 1 << 3)
}

/// How a cell looks: foreground, background and attributes.
public struct Style: Sendable, Hashable {
    public var foreground: Color
    public var background: Color
    public var attributes: Attributes

    public init(foreground: Color = .default, background: Color = .default, attributes: Attributes = []) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    public static let plain = Style()

    public func adding(_ attributes: Attributes) -> Style {
        var copy = self
        copy.attributes.formUnion(attributes)
        return copy
    }
}

/// How many colours the terminal can show; `NO_COLOR` or a monochrome terminal gives `.monochrome`.
public enum ColorMode: String, Sendable, CaseIterable {
    case monochrome, ansi8, ansi16, indexed256

    /// Reduces `color` to what this mode can show.
    public func reduce(_ color: Color) -> Color {
        switch (self, color) {
        case (_, .default), (.monochrome, _): return .default
        case (.indexed256, .rgb(let r, let g, let b)): return .indexed(ColorMath.nearest256(r, g, b))
        case (.indexed256, _): return color
        case (.ansi16, .ansi): return color
        case (.ansi8, .ansi(let n)): return .ansi(n % 8)
        case (_, .indexed(let n)):
            let (r, g, b) = ColorMath.rgb(of256: n)
            return reduce(.rgb(r, g, b))
        case (.ansi16, .rgb(let r, let g, let b)): return .ansi(ColorMath.nearestANSI(r, g, b, count: 16))
        case (.ansi8, .rgb(let r, let g, let b)): return .ansi(ColorMath.nearestANSI(r, g, b, count: 8))
        }
    }
}

enum ColorMath {
    static let ansiRGB: [(UInt8, UInt8, UInt8)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
        (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]
    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        let dr = a.0 - b.0, dg = a.1 - b.1, db = a.2 - b.2
        return 2 * dr * dr + 4 * dg * dg + 3 * db * db
    }

    static func nearestANSI(_ r: UInt8, _ g: UInt8, _ b: UInt8, count: Int) -> UInt8 {
        let target = (Int(r), Int(g), Int(b))
        var best = 0, bestDistance = Int.max
        for index in 0..<count {
            let c = ansiRGB[index]
            let d = distance(target, (Int(c.0), Int(c.1), Int(c.2)))
            if d < bestDistance { (best, bestDistance) = (index, d) }
        }
        return UInt8(best)
    }

    static func nearest256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let target = (Int(r), Int(g), Int(b))
        func level(_ v: Int) -> Int { cubeLevels.enumerated().min { abs($0.element - v) < abs($1.element - v) }!.offset }
        let (lr, lg, lb) = (level(target.0), level(target.1), level(target.2))
        let cube = (cubeLevels[lr], cubeLevels[lg], cubeLevels[lb])
        let cubeIndex = 16 + 36 * lr + 6 * lg + lb
        let grayLevel = max(0, min(23, ((target.0 + target.1 + target.2) / 3 - 8 + 5) / 10))
        let gray = 8 + grayLevel * 10
        if distance(target, (gray, gray, gray)) < distance(target, cube) { return UInt8(232 + grayLevel) }
        return UInt8(cubeIndex)
    }

    static func rgb(of256 n: UInt8) -> (UInt8, UInt8, UInt8) {
        let i = Int(n)
        if i < 16 { return ansiRGB[i] }
        if i >= 232 { let v = UInt8(8 + (i - 232) * 10); return (v, v, v) }
        let c = i - 16
        return (UInt8(cubeLevels[c / 36]), UInt8(cubeLevels[(c / 6) % 6]), UInt8(cubeLevels[c % 6]))
    }
}
