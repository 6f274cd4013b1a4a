import Foundation

/// What a person checks at a glance: the panes are there, the status bar is there, the frame is whole.
enum ScreenChecks {
    static let paneTitles = ["1 Board", "2 Pipelines", "3 Fleet", "4 Alerts"]

    static func showsFourPanes(_ screen: String) -> Bool {
        paneTitles.allSatisfy { screen.contains($0) }
    }

    /// The top row holds the workspace, the environment, and a running clock at the right.
    static func hasStatusBar(_ screen: String, workspace: String = "Shipdeck Demo") -> Bool {
        guard let top = screen.components(separatedBy: "\n").first else { return false }
        return top.contains(workspace) && top.contains("env test") && matches(top, #"\d\d:\d\d:\d\d\s*$"#)
    }

    /// The overview fills exactly `width`×`height`: the status bar on top, two rows of two framed
    /// panes whose every line starts and ends with a border, the panes' bottom border on the
    /// second-to-last row, and the footer below it. Leftovers of an earlier size break one of these.
    static func overviewFits(_ screen: String, width: Int, height: Int, unicode: Bool = true) -> Bool {
        var lines = screen.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        guard lines.count == height, hasStatusBar(screen), lines.allSatisfy({ $0.count <= width }) else { return false }
        let (topLeft, topRight, bottomLeft, bottomRight, vertical, horizontal) =
            unicode ? ("┌", "┐", "└", "┘", "│", "─") : ("+", "+", "+", "+", "|", "-")
        let frame = Array(lines[1...(height - 2)])
        guard frame.allSatisfy({ $0.count == width }) else { return false }
        let titleRows = frame.indices.filter { frame[$0].hasPrefix(topLeft + " 1 Board") || frame[$0].hasPrefix(topLeft + " 3 Fleet") }
        let bottomRows = frame.indices.filter { index in
            let row = frame[index]
            return !titleRows.contains(index) && row.hasPrefix(bottomLeft) && row.hasSuffix(bottomRight)
                && !row.contains(vertical) && row.contains(horizontal + horizontal)
        }
        let bodyRows = frame.indices.filter { frame[$0].hasPrefix(vertical) && frame[$0].hasSuffix(vertical) }
        return titleRows.count == 2 && titleRows.first == 0 && bottomRows.count == 2 && bottomRows.last == frame.count - 1
            && titleRows.count + bottomRows.count + bodyRows.count == frame.count
            && titleRows.allSatisfy { frame[$0].hasSuffix(topRight) }
            && !lines[height - 1].isEmpty && !lines[height - 1].contains(horizontal + horizontal)
    }

    /// The `HH:MM:SS` of the status bar, if any.
    static func clock(_ screen: String) -> String? {
        guard let top = screen.components(separatedBy: "\n").first,
              let range = top.range(of: #"\d\d:\d\d:\d\d"#, options: .regularExpression) else { return nil }
        return String(top[range])
    }

    static func matches(_ text: String, _ pattern: String) -> Bool {
        text.range(of: pattern, options: .regularExpression) != nil
    }
}
