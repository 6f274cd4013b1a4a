/// A key the user pressed, independent of how the terminal encoded it.
public enum Key: Sendable, Hashable, CustomStringConvertible {
    case character(Character)
    case ctrl(Character)
    case enter, escape, tab, backTab, backspace, delete
    case up, down, left, right, home, end, pageUp, pageDown
    case function(Int)

    /// The key as the help overlay and the docs spell it.
    public var description: String {
        switch self {
        case .character(" "): return "Space"
        case .character(let c): return String(c)
        case .ctrl(let c): return "Ctrl-\(c.uppercased())"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .backspace: return "Backspace"
        case .delete: return "Delete"
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .home: return "Home"
        case .end: return "End"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .function(let n): return "F\(n)"
        }
    }
}

public enum MouseButton: Sendable, Hashable { case left, wheelUp, wheelDown }

public struct MouseEvent: Sendable, Hashable {
    public var button: MouseButton
    public var x: Int
    public var y: Int
    public init(button: MouseButton, x: Int, y: Int) {
        self.button = button
        self.x = x
        self.y = y
    }
}

/// Something the terminal reported.
public enum Event: Sendable, Hashable {
    case key(Key)
    case mouse(MouseEvent)
    /// Text pasted in one piece (bracketed paste) or typed faster than keys are read.
    case paste(String)
    case resize(Size)
}
