import Foundation
import ShipdeckCore
import TerminalUI

/// The four panes of the overview.
public enum PaneID: String, CaseIterable, Sendable, Hashable {
    case board, pipelines, fleet, alerts

    public var title: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }
    public var number: Int { PaneID.allCases.firstIndex(of: self)! + 1 }
}

/// What has the keyboard besides the panes.
public indirect enum Mode: Sendable, Equatable {
    case normal
    /// Typing a filter for the focused pane.
    case filter(TextField)
    /// The `:` command palette: the text and the highlighted completion.
    case palette(TextField, selected: Int)
    /// The `?` overlay, scrolled by `offset` lines.
    case help(offset: Int)
    /// The detail of the selected item of the focused pane.
    case detail
    case confirm(Confirmation)
    /// A job's log (from a build's detail).
    case log(LogViewState)
    /// The unblock form of a block step.
    case form(UnblockForm)
    /// A list to choose one entry from (the image to deploy).
    case picker(Picker)
    /// An instance's health check (`c` in a service's Fleet detail); its state is `Model.check`.
    case check
    /// A one-line text to type (a note on an alert).
    case prompt(TextPrompt)
    /// The form of a new or edited card.
    case cardForm(CardForm)
}

/// A dialog that offers a list and runs the chosen entry's action.
public struct Picker: Sendable, Equatable {
    public var title: String
    public var entries: [Entry]
    public var selected = 0
    /// The mode to go back to once an entry is picked or the picker is closed.
    public var after: Mode

    public struct Entry: Sendable, Equatable {
        public var label: String
        public var action: Action
        public init(label: String, action: Action) {
            self.label = label
            self.action = action
        }
    }

    public init(title: String, entries: [Entry], after: Mode = .normal) {
        self.title = title
        self.entries = entries
        self.after = after
    }
}

/// A question the user must answer before something destructive or production-affecting happens.
public struct Confirmation: Sendable, Equatable {
    public var title: String
    public var lines: [String]
    public var confirmLabel: String
    public var action: Action
    /// 0 = confirm, 1 = cancel. Cancel is selected first, so a stray Enter does nothing harmful.
    public var selected: Int
    /// The mode to go back to once answered.
    public var after: Mode

    public init(title: String, lines: [String], confirmLabel: String, action: Action, after: Mode = .normal) {
        self.title = title
        self.lines = lines
        self.confirmLabel = confirmLabel
        self.action = action
        self.selected = 1
        self.after = after
    }
}

/// A one-line message in the footer until the next key press.
public struct Notice: Sendable, Equatable {
    public enum Level: Sendable { case info, warning, error }
    public var text: String
    public var level: Level
    public init(_ text: String, level: Level = .info) {
        self.text = text
        self.level = level
    }
}

/// A card's history as fetched for its detail.
public struct LoadedCardHistory: Sendable, Equatable {
    public var id: String
    public var entries: [CardHistoryEntry]
}

/// The dashboard's whole state: a plain value changed only by `update`.
public struct Model: Sendable, Equatable {
    public var snapshot: WorkspaceSnapshot?
    public var size: Size
    public var focus: PaneID = .board
    /// The focused pane fills the screen.
    public var zoomed = false
    public var mode: Mode = .normal
    /// Selected row per list pane (index into the filtered rows).
    public var selection: [PaneID: Int] = [:]
    /// First visible row per list pane.
    public var offsets: [PaneID: Int] = [:]
    /// Applied filter text per pane.
    public var filters: [PaneID: String] = [:]
    /// The selected card on the board (by id, so it survives refreshes and filtering).
    public var selectedCard: String?
    public var notice: Notice?
    public var now: Date
    public var timeZone: TimeZone
    /// Where the core lives, for the status bar ("in-process core", later "attached to …").
    public var coreLabel: String
    /// Why the core cannot be reached right now; nil while connected.
    public var disconnected: String?
    public var theme: Theme
    public var glyphs: Glyphs
    public var themeNames: [String]
    public var quit = false
    /// The signal that ended the dashboard, if one did.
    public var exitSignal: Int32?
    /// Counts snapshot changes, so caches derived from the snapshot know when to recompute.
    public var snapshotVersion = 0
    /// Counts the snapshot changes that touch each pane's rows, so a card moving does not re-sort
    /// 10,000 builds (see `PaneID.touched(by:)`).
    public var paneVersions: [PaneID: Int] = [:]
    public var filterCache = FilterCache()
    /// The selected job in a build's detail.
    public var detailJob = 0
    /// The selected instance in a service's Fleet detail.
    public var detailInstance = 0
    /// The open check detail, kept while a dialog over it (downtime picker, confirmation) is open.
    public var check: CheckViewState?
    /// The history of the card whose detail is open, once fetched.
    public var cardHistory: LoadedCardHistory?
    /// First visible line of an alert's detail.
    public var alertDetailOffset = 0
    /// The Alerts pane flashes for a moment when a new high-urgency alert arrives.
    public var alertFlash: AlertFlash?

    public init(
        snapshot: WorkspaceSnapshot?, size: Size, now: Date, timeZone: TimeZone = .current, coreLabel: String = "in-process core",
        theme: Theme = .fallback, glyphs: Glyphs = .unicode, themeNames: [String] = []
    ) {
        self.snapshot = snapshot
        self.size = size
        self.now = now
        self.timeZone = timeZone
        self.coreLabel = coreLabel
        self.theme = theme
        self.glyphs = glyphs
        self.themeNames = themeNames
    }

    public var isDeployRunning: Bool {
        !(snapshot?.runningDeploys.isEmpty ?? true) || snapshot?.fleet.contains { $0.deploy != nil } == true
    }
}

/// The status bar's words for where the core runs.
public enum CoreLabel {
    public static func attached(_ holder: CoreHolder) -> String { "attached to pid \(holder.pid)" }
    public static let owned = "own core"
}

/// A job's log on screen: the lines fetched so far and how they are viewed.
public struct LogViewState: Sendable, Equatable {
    public var service: String
    public var number: Int
    public var job: String
    public var label: String
    public var attempt: Int
    public var lines: [LogLine] = []
    /// First visible line (index into `lines`).
    public var offset = 0
    /// Keep the newest lines in view as they arrive.
    public var follow = true
    public var wrap = false
    /// The search being typed, if any, and the last search run.
    public var searching: TextField?
    public var query: String?
    public var loading = true
    public var error: String?
    /// Set when the log is an instance's output rather than a job's.
    public var instance: String?

    /// Lines fetched per request: a noisy job's log arrives in pages, so each fetch stays cheap.
    public static let pageSize = 5_000

    public init(service: String, number: Int, job: String, label: String, attempt: Int) {
        self.service = service
        self.number = number
        self.job = job
        self.label = label
        self.attempt = attempt
    }

    /// An instance's output (Enter on an instance in the Fleet detail).
    public init(instance: String) {
        self.init(service: "", number: 0, job: "", label: instance, attempt: 1)
        self.instance = instance
    }
}

/// The form a block step asks for before it releases the build.
public struct UnblockForm: Sendable, Equatable {
    public var service: String
    public var number: Int
    public var job: String
    public var prompt: String
    public var fields: [PlannedJob.Field]
    public var values: [TextField]
    /// For select fields: the chosen option's index.
    public var choices: [Int]
    public var focused = 0

    public init(service: String, number: Int, job: String, prompt: String, fields: [PlannedJob.Field]) {
        self.service = service
        self.number = number
        self.job = job
        self.prompt = prompt
        self.fields = fields
        self.values = fields.map { TextField($0.defaultValue ?? "") }
        self.choices = fields.map { field in field.options.firstIndex { $0.value == field.defaultValue } ?? 0 }
    }

    /// The values to send: text as typed, selects as the chosen option's value.
    public var answers: [String: String] {
        var result: [String: String] = [:]
        for (index, field) in fields.enumerated() {
            if field.kind == .select, !field.options.isEmpty { result[field.key] = field.options[choices[index]].value } else { result[field.key] = values[index].text }
        }
        return result
    }
}
