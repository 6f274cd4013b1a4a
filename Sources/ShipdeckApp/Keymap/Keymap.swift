import TerminalUI

/// The key tables. Pane bindings win over global ones for the focused pane.
public enum Keymap {
    public static let global: [Binding] = [
        Binding([.character("1")], .toggleFullScreen(.board), "Board full screen (again: overview)"),
        Binding([.character("2")], .toggleFullScreen(.pipelines), "Pipelines full screen (again: overview)"),
        Binding([.character("3")], .toggleFullScreen(.fleet), "Fleet full screen (again: overview)"),
        Binding([.character("4")], .toggleFullScreen(.alerts), "Alerts full screen (again: overview)"),
        Binding([.tab], .focusNext, "Next pane", footer: "next pane"),
        Binding([.backTab], .focusPrevious, "Previous pane"),
        Binding([.character("j"), .down], .move(1), "Down"),
        Binding([.character("k"), .up], .move(-1), "Up"),
        Binding([.character("h"), .left], .left, "Left (pane or board column)"),
        Binding([.character("l"), .right], .right, "Right (pane or board column)"),
        Binding([.character("g"), .home], .top, "First row"),
        Binding([.character("G"), .end], .bottom, "Last row"),
        Binding([.pageUp, .ctrl("b")], .pageUp, "Page up"),
        Binding([.pageDown, .ctrl("f")], .pageDown, "Page down"),
        Binding([.enter], .openDetail, "Details", footer: "details"),
        Binding([.escape], .back, "Back / close / clear filter"),
        Binding([.character("/")], .startFilter, "Filter the focused list", footer: "filter"),
        Binding([.character(":")], .startPalette, "Command palette", footer: "command"),
        Binding([.character("?")], .openHelp, "Help (this overlay)", footer: "help"),
        Binding([.character("q"), .ctrl("c")], .requestQuit, "Quit (asks while a deploy runs)", footer: "quit"),
    ]

    public static let panes: [PaneID: [Binding]] = [
        .board: [
            Binding([.character("n")], .newCard, "New card in the selected column (a form: title, description, services, labels, assignee)",
                    scope: .pane(.board), footer: "new"),
            Binding([.character("e")], .editSelectedCard, "Edit the selected card", scope: .pane(.board), footer: "edit"),
            Binding([.character("H"), .character("<")], .moveSelectedCard(-1), "Move the selected card to the column on the left", scope: .pane(.board)),
            Binding([.character("L"), .character(">")], .moveSelectedCard(1),
                    "Move the selected card to the column on the right (Done asks while its change is not in prod)", scope: .pane(.board), footer: "move"),
            Binding([.character("K")], .reorderSelectedCard(-1), "Move the selected card up in its column", scope: .pane(.board)),
            Binding([.character("J")], .reorderSelectedCard(1), "Move the selected card down in its column", scope: .pane(.board)),
            Binding([.character("m")], .assignSelectedCardToMe, "Assign the selected card to me (again: unassign)", scope: .pane(.board), footer: "mine"),
            Binding([.character("d")], .deleteSelectedCard, "Delete the selected card", scope: .pane(.board), footer: "delete", destructive: true),
        ],
        .pipelines: [
            Binding([.character("b")], .promptBuild, "Start a build of a service", scope: .pane(.pipelines), footer: "build"),
            Binding([.character("u")], .unblockSelected, "Unblock the selected build (form, confirm)", scope: .pane(.pipelines), footer: "unblock", destructive: true),
            Binding([.character("c")], .cancelSelected, "Cancel the selected build", scope: .pane(.pipelines), destructive: true),
            Binding([.character("r")], .retrySelected(all: false), "Retry the failed job (in a build's detail: the selected job)", scope: .pane(.pipelines)),
            Binding([.character("R")], .retrySelected(all: true), "Retry every failed job of the build", scope: .pane(.pipelines)),
        ],
        .fleet: [
            Binding([.character("D")], .deploySelected, "Deploy an image of the selected service (choose, confirm)", scope: .pane(.fleet), footer: "deploy", destructive: true),
            Binding([.character("R")], .rollbackSelected, "Roll the selected service back to its previous good image", scope: .pane(.fleet), footer: "rollback", destructive: true),
            Binding([.character("s")], .restartSelectedInstance, "Restart the selected instance (in a service's detail)", scope: .pane(.fleet)),
            Binding([.character("x")], .stopSelectedInstance, "Stop the selected instance (in a service's detail)", scope: .pane(.fleet), destructive: true),
            Binding([.character("c")], .openCheckDetail, "Health check detail of the selected instance (in a service's detail)", scope: .pane(.fleet)),
        ],
        .alerts: [
            Binding([.character("a")], .acknowledgeSelectedAlert, "Acknowledge the selected alert (stops its escalation)", scope: .pane(.alerts), footer: "ack"),
            Binding([.character("r")], .resolveSelectedAlert, "Resolve the selected alert", scope: .pane(.alerts), footer: "resolve", destructive: true),
            Binding([.character("n")], .promptAlertNote, "Add a note to the selected alert's timeline", scope: .pane(.alerts), footer: "note"),
            Binding([.character("s")], .promptAlertSnooze, "Snooze the selected alert (15 min, 1 h or 4 h; it pages again after)", scope: .pane(.alerts),
                    footer: "snooze"),
            Binding([.character("R")], .rollbackAlertService, "Roll the alert's service back in its environment (the detail lists what changed before)",
                    scope: .pane(.alerts), destructive: true),
        ],
    ]

    /// Keys of an instance's check detail: output, perfdata, history and downtimes of its check.
    public static let checkDetail: [Binding] = [
        Binding([.character("f")], .forceCheckNow, "Run the check now", scope: .checkDetail, footer: "check now"),
        Binding([.character("w")], .promptDowntime, "Schedule downtime for the instance or its whole service (choose how long)",
                scope: .checkDetail, footer: "downtime"),
        Binding([.character("u")], .cancelDowntimes, "Cancel the downtimes shown", scope: .checkDetail, footer: "cancel downtime", destructive: true),
        Binding([.character("j"), .down], .move(1), "Scroll down", scope: .checkDetail, footer: "scroll"),
        Binding([.character("k"), .up], .move(-1), "Scroll up", scope: .checkDetail),
        Binding([.pageDown, .ctrl("f")], .pageDown, "Page down", scope: .checkDetail),
        Binding([.pageUp, .ctrl("b")], .pageUp, "Page up", scope: .checkDetail),
        Binding([.escape, .character("q")], .back, "Back to the service", scope: .checkDetail, footer: "back"),
    ]

    /// The action `key` triggers in the check detail, if any.
    public static func checkAction(for key: Key) -> Action? {
        checkDetail.first { $0.keys.contains(key) }?.action
    }

    /// Every binding that applies while `pane` has focus, pane bindings first.
    public static func bindings(for pane: PaneID) -> [Binding] { (panes[pane] ?? []) + global }

    /// The action `key` triggers in `pane`, if any.
    public static func action(for key: Key, in pane: PaneID) -> Action? {
        bindings(for: pane).first { $0.keys.contains(key) }?.action
    }

    /// Every table in help order: global first, then each pane.
    public static var sections: [(BindingScope, [Binding])] {
        [(.global, global)] + PaneID.allCases.compactMap { pane in
            let list = panes[pane] ?? []
            return list.isEmpty ? nil : (.pane(pane), list)
        } + [(.checkDetail, checkDetail)]
    }

    /// Keys of a job's log view (Enter on a job in a build's detail).
    public static let logView: [(String, String)] = [
        ("j k ↓ ↑ PgUp PgDn", "scroll (stops following)"),
        ("g G", "first line / last line (G follows again)"),
        ("f", "follow new lines on/off"),
        ("w", "wrap long lines on/off"),
        ("/ n N", "search, next match, previous match"),
        ("e", "jump to the first failure (error, fail, panic, exception)"),
        ("Esc", "back to the build"),
    ]

    /// Keys of the dialogs and inputs, which help lists after the tables.
    public static let modeKeys: [(String, String)] = [
        ("Filter", "type to filter live · Enter keep · Esc clear · on the board: @ana or assignee:ana, label:bug, service:orders"),
        ("Card form", "Tab / ↑ ↓ move between fields · ←/→ Home End move the cursor · Enter save · Esc cancel"),
        ("Palette", "Tab complete · ↑/↓ choose · Enter run · Esc close"),
        ("Dialog", "←/→ or Tab choose · Enter answer · y yes · n / Esc no"),
        ("Mouse", "click selects a row and focuses its pane · wheel scrolls"),
        ("Build detail", "j/k choose a job · Enter opens its log · r retries it"),
        ("Fleet detail", "j/k choose an instance · Enter opens its output · c its health check · s restart · x stop"),
        ("Alert detail", "j/k scroll · a acknowledge · r resolve · n note · s snooze · R roll back its service · Esc back"),
        ("Note", "type the note · Enter adds it to the timeline · Esc cancels"),
        ("Picker", "j/k or ↑/↓ choose · Enter pick · Esc close"),
        ("Unblock form", "Tab / ↑ ↓ move between fields · ←/→ choose an option · Enter submit · Esc cancel"),
    ]
}
