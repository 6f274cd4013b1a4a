import Foundation
import ShipdeckApp
import ShipdeckCore
import TerminalUI

// shipdeck-bench: frame build, update and filter times of the dashboard at 200×60 with 10,000
// cards and 10,000 rows per list, against baselines measured in the same run, and the cells that
// `Terminal.render` writes for typical frames; then (section `fanout`, Fanout.swift) the core's
// event fan-out to clients over the local HTTP API and a dashboard's attach-to-first-frame time;
// then (section `pipelines`, Pipelines.swift) builds end to end through the real engine and a
// file-backed store: per-step overhead, log ingestion while the core stays responsive, a 1 MiB line.
// Prints Markdown. `shipdeck-bench proxy --listen PORT --backend HOST:PORT` instead runs the
// fleet's reverse proxy for scripts/bench-proxy.sh (ProxyBench.swift), and `shipdeck-bench health
// --target HOST:PORT…` the health checker for scripts/bench-health.sh (HealthBench.swift).
//
//   shipdeck-bench [--quick] [--cards N] [--rows N] [--events N] [--clients N] [--attaches N]
//                  [--steps N] [--rounds N] [--log-lines N] [--only SUBSTRING]

// `shipdeck-bench proxy …` is a different mode: a reverse proxy that serves until killed (ProxyBench.swift).
if CommandLine.arguments.dropFirst().first == "proxy" {
    ProxyBench.run(Array(CommandLine.arguments.dropFirst(2)))
}
// `shipdeck-bench health …` measures the health checker against given HTTP targets (HealthBench.swift).
if CommandLine.arguments.dropFirst().first == "health" {
    guard #available(macOS 15.0, *) else {
        FileHandle.standardError.write(Data("health: needs macOS 15 (task executors)\n".utf8))
        exit(2)
    }
    HealthBench.run(Array(CommandLine.arguments.dropFirst(2)))
}

struct Options {
    var budget = Budget.standard
    var cards = 10_000
    var rows = 10_000
    var only: String?
    var fanout = FanoutSettings(events: 2_000, clients: 20, attaches: 30)
    var pipelines = PipelineSettings()

    init(_ arguments: [String]) {
        var it = arguments.dropFirst().makeIterator()
        while let argument = it.next() {
            switch argument {
            case "--quick":
                budget = .quick
                fanout.events = 200
                fanout.attaches = 5
                pipelines = PipelineSettings(steps: 20, rounds: 2, logLines: 200_000)
            case "--cards": cards = Int(it.next() ?? "") ?? cards
            case "--rows": rows = Int(it.next() ?? "") ?? rows
            case "--only": only = it.next()
            case "--events": fanout.events = Int(it.next() ?? "") ?? fanout.events
            case "--clients": fanout.clients = Int(it.next() ?? "") ?? fanout.clients
            case "--attaches": fanout.attaches = Int(it.next() ?? "") ?? fanout.attaches
            case "--steps": pipelines.steps = max(2, Int(it.next() ?? "") ?? pipelines.steps)
            case "--rounds": pipelines.rounds = max(1, Int(it.next() ?? "") ?? pipelines.rounds)
            case "--log-lines": pipelines.logLines = max(1, Int(it.next() ?? "") ?? pipelines.logLines)
            case "-h", "--help":
                print("usage: shipdeck-bench [--quick] [--cards N] [--rows N] [--events N] [--clients N] [--attaches N]")
                print("                      [--steps N] [--rounds N] [--log-lines N] [--only SUBSTRING]")
                print("  --only fanout runs only the local-API section (event fan-out and attach)")
                print("  --only pipelines runs only the build engine section (per-step overhead, log ingestion, 1 MiB line)")
                exit(0)
            default:
                FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
                exit(2)
            }
        }
    }
}

let options = Options(CommandLine.arguments)
let size = Size(width: 200, height: 60)
let budget = options.budget

/// A model as the dashboard starts it, normalized by the driver's first `.resize`.
func makeModel(_ snapshot: WorkspaceSnapshot, focus: PaneID = .board, zoomed: Bool = false) -> Model {
    var model = Model(snapshot: snapshot, size: size, now: Fixtures.now, timeZone: TimeZone(identifier: "UTC")!,
                      coreLabel: "in-process core", theme: .fallback, glyphs: .unicode)
    model.focus = focus
    model.zoomed = zoomed
    _ = update(&model, .resize(size))
    return model
}

func wanted(_ name: String) -> Bool { options.only.map { name.localizedCaseInsensitiveContains($0) } ?? true }

/// The local-API section (Fanout.swift); runs after the dashboard sections, or alone with `--only fanout`.
func runFanout() {
    guard wanted("fanout") else { return }
    do {
        try FanoutBench.run(options.fanout)
    } catch {
        FileHandle.standardError.write(Data("fanout: \(error)\n".utf8))
        exit(1)
    }
}

/// The build engine section (Pipelines.swift); runs last, or alone with `--only pipelines`.
func runPipelines() {
    guard wanted("pipelines") else { return }
    do {
        try PipelinesBench.run(options.pipelines)
    } catch {
        FileHandle.standardError.write(Data("pipelines: \(error)\n".utf8))
        exit(1)
    }
}

let dashboardCases = ["overview", "update", "filter", "board"] + PaneID.allCases.map { "\($0.title) full screen" }
// `--only pipelines` names the engine section, not the dashboard's "Pipelines full screen" frame
// (select that one with `--only "pipelines full"`).
let sectionOnly = ["fanout", "pipelines"].contains(options.only?.lowercased() ?? "")
if options.only != nil && (sectionOnly || !dashboardCases.contains(where: wanted)) {
    runFanout()
    runPipelines()
    exit(0)
}

let emptySnapshot = Fixtures.empty()
let largeSnapshot = Fixtures.large(cards: options.cards, rows: options.rows)

/// A terminal that already shows `model` at `now - 1 s`, so rendering `model` is the steady-state
/// 1 Hz frame (the clock changed) rather than a first frame.
func warmTerminal(for model: Model) -> Terminal {
    let terminal = Terminal(backend: MemoryBackend(size: size))
    var previous = model
    previous.now = model.now.addingTimeInterval(-1)
    terminal.render(view(previous))
    return terminal
}

var timeRows: [(section: String, stats: Stats, baseline: Stats?)] = []

// MARK: Baselines

let fillCell = Cell(" ", style: Theme.fallback[.text])
let baselineFill = measure("Screen(200×60) + fill", budget: budget) {
    var screen = Screen(size: size)
    screen.fill(Rect(size: size), with: fillCell)
    return screen.cells.count
}
let emptyModel = makeModel(emptySnapshot)
let baselineEmpty = measure("empty snapshot, overview: view + render", budget: budget, setup: { warmTerminal(for: emptyModel) }) { terminal in
    terminal.render(view(emptyModel))
    return terminal.lastWrittenCells
}
timeRows.append(("baseline", baselineFill, nil))
timeRows.append(("baseline", baselineEmpty, nil))

// MARK: Frames at 10,000 items

let n = "\(options.cards) cards, \(options.rows) rows"
var frameCases: [(String, Model)] = [("overview", makeModel(largeSnapshot))]
for pane in PaneID.allCases { frameCases.append(("\(pane.title) full screen", makeModel(largeSnapshot, focus: pane, zoomed: true))) }
for (label, model) in frameCases where wanted(label) {
    let viewOnly = measure("\(label): view", budget: budget) { view(model).cells.count }
    timeRows.append(("frame (\(n))", viewOnly, baselineEmpty))
    let frame = measure("\(label): view + render (1 s tick)", budget: budget, setup: { warmTerminal(for: model) }) { terminal in
        terminal.render(view(model))
        return terminal.lastWrittenCells
    }
    timeRows.append(("frame (\(n))", frame, baselineEmpty))
}

// MARK: Update (every action runs `normalize`)

if wanted("update") {
    let overview = makeModel(largeSnapshot)
    timeRows.append(("update (\(n))", measure("update .tick (overview)", budget: budget, setup: { overview }) { model in
        _ = update(&model, .tick(Fixtures.now.addingTimeInterval(1)))
        return model.selection.count
    }, baselineEmpty))
    let alerts = makeModel(largeSnapshot, focus: .alerts)
    timeRows.append(("update (\(n))", measure("update key j (alerts focused)", budget: budget, setup: { alerts }) { model in
        _ = update(&model, .key(.character("j")))
        return model.selection[.alerts] ?? 0
    }, baselineEmpty))
}

// MARK: Filter typing

for (pane, text) in [(PaneID.board, "deplo"), (.alerts, "laten")] where wanted("filter") {
    var typing = makeModel(largeSnapshot, focus: pane)
    _ = update(&typing, .startFilter)
    for character in text.dropLast() { _ = update(&typing, .key(.character(character))) }
    let last = text.last!
    let base = typing
    timeRows.append(("filter (\(n))", measure("\(pane.title): type '\(last)' after '\(text.dropLast())': update", budget: budget, setup: { base }) { model in
        _ = update(&model, .key(.character(last)))
        return model.selection.count
    }, baselineEmpty))
    timeRows.append(("filter (\(n))", measure("\(pane.title): type '\(last)': update + view + render", budget: budget, setup: { (base, warmTerminal(for: base)) }) { state in
        _ = update(&state.0, .key(.character(last)))
        state.1.render(view(state.0))
        return state.1.lastWrittenCells
    }, baselineEmpty))
}

// MARK: The board at scale: a qualified filter, a card the board engine moves, the engine's rules

if wanted("board") {
    var qualified = makeModel(largeSnapshot, focus: .board)
    _ = update(&qualified, .startFilter)
    for character in "label:bug deplo" { _ = update(&qualified, .key(.character(character))) }
    let typed = qualified
    timeRows.append(("board (\(n))", measure("Board: type 'o' after 'label:bug depl': update + view + render", budget: budget,
                                               setup: { (typed, warmTerminal(for: typed)) }) { state in
        _ = update(&state.0, .key(.character("o")))
        state.1.render(view(state.0))
        return state.1.lastWrittenCells
    }, baselineEmpty))
    let board = makeModel(largeSnapshot, focus: .board)
    var moved = largeSnapshot.board.columns[0].cards[0]
    moved.column = largeSnapshot.board.columns[1].name
    let event = CoreEvent(sequence: 1, at: Fixtures.now, change: .cardUpdated(card: moved))
    timeRows.append(("board (\(n))", measure("Board: a card moved by the board (core event): update + view + render", budget: budget,
                                               setup: { (board, warmTerminal(for: board)) }) { state in
        _ = update(&state.0, .core(event))
        state.1.render(view(state.0))
        return state.1.lastWrittenCells
    }, baselineEmpty))
    // The rules the board engine applies to every linked card when a service's image or health changes.
    let rules = BoardRules(board: BoardConfig(), environments: EnvironmentConfig.defaults)
    let linked = largeSnapshot.board.columns.flatMap(\.cards).map { card -> Card in
        var card = card
        card.commits = [CardCommit(service: "svc-\(card.position % 30)", sha: "abcdef1234567890", subject: card.title, author: "ana", builds: [1, 2])]
        return card
    }
    let delivered = DeliveredService(image: "svc:2", build: 2, healthySince: Fixtures.now)
    timeRows.append(("board (\(n))", measure("Board engine: rules over every linked card (one fleet change)", budget: budget) {
        linked.reduce(0) { count, card in count + (rules.apply(to: card, fleet: { _, _ in delivered }, now: Fixtures.now) == nil ? 0 : 1) }
    }, baselineEmpty))
}

// MARK: Cells written

struct CellCount { var name: String; var empty: Int; var large: Int }
var cellRows: [CellCount] = []

/// Cells written for: a first frame, the same frame again, a clock tick, and `j` in `focus`.
func cellCounts(_ snapshot: WorkspaceSnapshot, focus: PaneID, zoomed: Bool = false) -> [Int] {
    let backend = MemoryBackend(size: size)
    let driver = AppDriver(model: makeModel(snapshot, focus: focus, zoomed: zoomed), backend: backend)
    var counts: [Int] = []
    driver.render(); counts.append(driver.terminal.lastWrittenCells)
    driver.render(); counts.append(driver.terminal.lastWrittenCells)
    driver.dispatch(.tick(Fixtures.now.addingTimeInterval(1)))
    driver.render(); counts.append(driver.terminal.lastWrittenCells)
    driver.handle(.key(.character("j")))
    driver.render(); counts.append(driver.terminal.lastWrittenCells)
    precondition(backend.cellsWritten == counts.reduce(0, +), "MemoryBackend and Terminal disagree on cells written")
    return counts
}

let labels = ["full first frame", "idle frame (same model, same clock)", "clock tick (+1 s)", "selection moved one row (j)"]
var cellTable: [(String, [Int], [Int])] = []
for (label, focus, zoomed) in [("overview, board focused", PaneID.board, false), ("overview, alerts focused", .alerts, false), ("Alerts full screen", .alerts, true)] {
    cellTable.append((label, cellCounts(emptySnapshot, focus: focus, zoomed: zoomed), cellCounts(largeSnapshot, focus: focus, zoomed: zoomed)))
}

// MARK: Report

func machineLine() -> String {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    var load = "?"
    if let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) { load = text.split(separator: " ").prefix(3).joined(separator: " ") }
    return "\(cores) cores, load average \(load) at start of report"
}

print("## shipdeck-bench — 200×60, \(n)\n")
print("Machine: \(machineLine()). Timings are ContinuousClock medians of ≥\(budget.minIterations) iterations (≤\(budget.maxSeconds) s per case); other builds may share the CPU, so read the ratios against the baselines of this same run.\n")
print("| section | case | median ms | p95 ms | min ms | iterations | median vs empty frame | median vs fill |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for row in timeRows {
    let s = row.stats
    let vsEmpty = row.baseline.map { formatRatio(s.median, over: $0.median) } ?? (s.name == baselineEmpty.name ? "1×" : "—")
    print("| \(row.section) | \(s.name) | \(formatMs(s.median)) | \(formatMs(s.p95)) | \(formatMs(s.min)) | \(s.samples.count) | \(vsEmpty) | \(formatRatio(s.median, over: baselineFill.median)) |")
}
print("\n### Cells written by Terminal.render (200×60 = \(size.width * size.height) cells)\n")
print("| frame | pane | empty snapshot | \(n) |")
print("| --- | --- | ---: | ---: |")
for (label, empty, large) in cellTable {
    for (i, what) in labels.enumerated() { print("| \(what) | \(label) | \(empty[i]) | \(large[i]) |") }
}
print()
runFanout()
runPipelines()
FileHandle.standardError.write(Data("(sink \(blackHole))\n".utf8))
