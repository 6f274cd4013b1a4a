import Foundation
import ShipdeckCore
import TerminalUI

/// Everything that can happen to the dashboard: keys resolved through the keymap, core events,
/// the clock, the terminal. `update` is the only place that turns an action into a new model.
public indirect enum Action: Sendable, Equatable {
    // Panes
    case focus(PaneID)
    case focusNext, focusPrevious
    /// Open a pane full screen; the same key again goes back to the overview.
    case toggleFullScreen(PaneID)
    case overview
    case focusDirection(dx: Int, dy: Int)
    // Lists
    case move(Int)
    case top, bottom, pageUp, pageDown
    case left, right
    case openDetail, back
    // Modes
    case startFilter, startPalette, openHelp
    case runCommand(String)
    // Work
    case deleteSelectedCard
    /// Board keys: `n` a new card (form), `e` edit the selected one, `H`/`L` move it a column, `J`/`K`
    /// reorder it, `m` assign it to me (again: unassign).
    case newCard, editSelectedCard, assignSelectedCardToMe
    case moveSelectedCard(Int), reorderSelectedCard(Int)
    /// A card's history arrived (for its open detail).
    case cardHistoryLoaded(id: String, history: [CardHistoryEntry])
    /// `b`: start a build of a service (asks which through the palette).
    case promptBuild
    case unblockSelected, cancelSelected
    case retrySelected(all: Bool)
    /// `D`: choose an image of the selected service and deploy it to the row's environment.
    case deploySelected
    /// `R` in the Fleet pane: roll the selected service back (confirm).
    case rollbackSelected
    /// `s` / `x` in a service's Fleet detail: restart or stop the selected instance.
    case restartSelectedInstance, stopSelectedInstance
    /// An instance's output arrived (lines after the ones shown).
    case instanceLogLoaded(id: String, lines: [LogLine])
    /// `c` in a service's Fleet detail: the selected instance's health check.
    case openCheckDetail
    case checkDetailLoaded(CheckDetail)
    case checkDetailFailed(instance: String, message: String)
    /// Fetch the open check detail again (a command on it went through).
    case reloadCheckDetail(instance: String)
    /// Keys of the check detail: run the check now, choose a downtime, cancel the downtimes shown.
    case forceCheckNow, promptDowntime, cancelDowntimes
    /// Commands on the open check's instance (a downtime picked, cancels confirmed); its detail is
    /// fetched again after each.
    case checkCommands([CoreCommand], instance: String)
    /// Keys of the Alerts pane (and an alert's detail) on the selected alert: acknowledge, resolve
    /// (confirm), add a note (type it), snooze (choose how long), roll its service back (confirm).
    case acknowledgeSelectedAlert, resolveSelectedAlert, promptAlertNote, promptAlertSnooze, rollbackAlertService
    /// A job's log arrived (lines after the ones shown).
    case logLoaded(service: String, number: Int, job: String, lines: [LogLine])
    case logFailed(String)
    case perform(CoreCommand)
    case commandFailed(String)
    // Lifecycle
    case requestQuit, quit
    /// SIGINT, SIGTERM or SIGHUP arrived: quit at once (the process then exits with 128 + signal).
    case signalled(Int32)
    case confirm(Confirmation)
    // Inputs from outside
    case key(Key)
    case paste(String)
    case mouse(MouseEvent)
    case resize(Size)
    case tick(Date)
    case core(CoreEvent)
    /// The dashboard lost or regained its (remote) core.
    case connection(CoreConnection)
    case setTheme(Theme, notice: Notice?)
    case showNotice(Notice)
}
