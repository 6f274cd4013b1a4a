import TerminalUI

/// Where everything goes on the screen: a status bar on top, the panes (a 2×2 grid, or the focused
/// pane alone when zoomed), and a footer line. `update` uses it for scrolling and mouse hits, the
/// views for drawing, so both agree.
public struct ScreenLayout: Sendable, Equatable {
    public var statusBar: Rect
    public var panes: [PaneID: Rect]
    public var footer: Rect

    public init(size: Size, focus: PaneID, zoomed: Bool) {
        let rows = Layout.split(Rect(size: size), .vertical, [.length(1), .fill(1), .length(1)])
        statusBar = rows[0]
        footer = rows[2]
        if zoomed {
            panes = [focus: rows[1]]
        } else {
            let halves = Layout.split(rows[1], .vertical, [.fill(1), .fill(1)])
            let top = Layout.split(halves[0], .horizontal, [.fill(1), .fill(1)])
            let bottom = Layout.split(halves[1], .horizontal, [.fill(1), .fill(1)])
            panes = [.board: top[0], .pipelines: top[1], .fleet: bottom[0], .alerts: bottom[1]]
        }
    }

    /// The rows a list in `pane` can show: the pane less its border and its header row.
    public func listHeight(_ pane: PaneID) -> Int {
        guard let rect = panes[pane] else { return 0 }
        return max(0, rect.height - 3)
    }

    /// The pane at screen position (x, y).
    public func pane(atX x: Int, y: Int) -> PaneID? {
        panes.first { $0.value.contains(x: x, y: y) }?.key
    }
}

extension Model {
    public var layout: ScreenLayout { ScreenLayout(size: size, focus: focus, zoomed: zoomed) }
}
