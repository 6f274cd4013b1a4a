import Foundation
import ShipdeckCore
import TerminalUI

/// An instance's health check, full screen: what is checked and how it stands (state, attempt,
/// last and next check, flapping, downtime), the last output, each perfdata label with a sparkline
/// of its recent values, the state history (newest first) and the downtimes that cover it.
enum CheckView {
    /// Columns of a perfdata sparkline.
    static let sparklineWidth = 40

    /// The rows of content the view shows at once (the screen less status bar, footer and border).
    static func height(_ model: Model) -> Int { max(1, model.size.height - 4) }

    static func render(_ check: CheckViewState, model: Model, into screen: inout Screen) {
        let theme = model.theme
        let area = screen.bounds.inset(top: 1, left: 0, bottom: 1, right: 0)
        let inner = Panel(title: "\(check.instance) · health check", focused: true, trailing: marks(check, model: model).joined(separator: " · "))
            .render(into: &screen, area: area, theme: theme, glyphs: model.glyphs)
        guard !inner.isEmpty else { return }
        let content = lines(check, model: model)
        let start = min(check.offset, max(0, content.count - inner.height))
        for (row, line) in content.dropFirst(start).prefix(inner.height).enumerated() {
            screen.put(line, x: inner.x + 1, y: inner.y + row, width: inner.width - 2)
        }
    }

    /// What the title bar flags: alerts held by flapping or downtime, a first fetch under way.
    static func marks(_ check: CheckViewState, model: Model) -> [String] {
        guard let detail = check.detail else { return check.loading ? ["loading…"] : [] }
        return (detail.flapping ? ["FLAPPING"] : []) + (detail.inDowntime ? ["DOWNTIME"] : [])
    }

    /// Every line of the view, styled.
    static func lines(_ check: CheckViewState, model: Model) -> [[Span]] {
        let theme = model.theme
        var lines: [[Span]] = []
        if let error = check.error { lines.append([Span(error, theme[.critical])]) }
        guard let detail = check.detail else {
            if check.error == nil { lines.append([Span(check.loading ? "Loading…" : "No check detail", theme[.muted])]) }
            return lines
        }
        let now = model.now
        func field(_ name: String, _ spans: [Span]) { lines.append([Span(name.padded(to: 12), theme[.header])] + spans) }
        let state = "\(detail.status.label) \(detail.stateType.rawValue.uppercased()) \(detail.attempt)/\(detail.maxAttempts)"
        field("Check", [Span("\(detail.kind) · \(detail.target)", theme[.text])])
        field("State", [Span(state, theme[role(detail.status)].adding(.bold)),
                        Span(detail.lastStateChange.map { " · since \(ClockFormat.age($0, now: now))" } ?? "", theme[.muted])])
        let checked = detail.lastCheck.map { "\(ClockFormat.age($0, now: now)) · took \(took(detail.duration))" } ?? "not yet"
        field("Last check", [Span(checked, theme[.text]), Span(" · " + nextText(detail, now: now), theme[.muted])])
        let change = String(format: "%.1f%% state change", detail.percentStateChange)
        field("Flapping", detail.flapping
              ? [Span("FLAPPING", theme[.warning].adding(.bold)), Span(" · \(change): its HARD changes do not alert", theme[.warning])]
              : [Span("no · \(change)", theme[.text])])
        field("Downtime", downtimeSpans(detail, model: model))
        lines.append([])

        lines.append([Span("Output", theme[.header])])
        let output = ([detail.output] + detail.longOutput.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
            .filter { !$0.isEmpty }
        if output.isEmpty { lines.append([Span("  no output yet", theme[.muted])]) }
        for (index, text) in output.enumerated() {
            lines.append([Span("  " + text, index == 0 ? theme[role(detail.status)] : theme[.text])])
        }
        lines.append([])

        lines.append([Span("Perfdata", theme[.header])])
        lines += perfLines(detail, model: model)
        lines.append([])

        lines.append([Span("History", theme[.header]), Span(" (newest first)", theme[.muted])])
        if detail.history.isEmpty { lines.append([Span("  no state change yet", theme[.muted])]) }
        for event in detail.history {
            let state = "\(event.status.label) \(event.stateType.rawValue.uppercased()) \(event.attempt)"
            var row = [Span("  " + ClockFormat.time(event.at, in: model.timeZone).padded(to: 10), theme[.muted]),
                       Span(kindLabel(event.kind).padded(to: 18), theme[event.kind == .hard ? .text : .muted]),
                       Span(state.padded(to: 19), theme[role(event.status)]), Span(event.output, theme[.text])]
            if let held = event.suppressed { row.append(Span("  alerts held: \(held)", theme[.warning])) }
            lines.append(row)
        }
        lines.append([])

        lines.append([Span("Downtimes", theme[.header])])
        if detail.downtimes.isEmpty { lines.append([Span("  none scheduled · w schedules one", theme[.muted])]) }
        for record in detail.downtimes {
            let active = record.downtime.isActive(at: now)
            lines.append([Span("  " + downtimeText(record, model: model), theme[active ? .warning : .text])])
        }
        return lines
    }

    /// Each perfdata label of the last result (value, unit, thresholds) with a sparkline of its
    /// recent values, then any label kept in the history that the last result lacked.
    static func perfLines(_ detail: CheckDetail, model: Model) -> [[Span]] {
        let theme = model.theme
        var lines: [[Span]] = []
        let labels = detail.perfdata.map(\.label) + detail.perfHistory.map(\.label).filter { label in !detail.perfdata.contains { $0.label == label } }
        if labels.isEmpty { lines.append([Span("  none: the check reports no performance data", theme[.muted])]) }
        for label in labels {
            let datum = detail.perfdata.first { $0.label == label }
            let series = detail.perfHistory.first { $0.label == label }
            let unit = datum?.unit ?? series?.unit ?? ""
            let value = datum.map { $0.value.map { number($0) + unit } ?? "U" } ?? "—"
            var text = "  " + label.padded(to: 14) + " " + value.padded(to: 12)
            text += ("warn " + (datum?.warn ?? "—")).padded(to: 12) + ("crit " + (datum?.crit ?? "—")).padded(to: 12)
            if let datum, datum.min != nil || datum.max != nil {
                text += "[\(datum.min.map(number) ?? "")…\(datum.max.map(number) ?? "")]".padded(to: 14)
            }
            var row = [Span(text, theme[.text])]
            if let series, let low = series.values.min(), let high = series.values.max() {
                row.append(Span(Sparkline(series.values, minimum: datum?.min).text(width: sparklineWidth, glyphs: model.glyphs), theme[.info]))
                let count = min(series.values.count, sparklineWidth)
                row.append(Span("  \(number(low))–\(number(high))\(unit) over \(series.values.count) check\(series.values.count == 1 ? "" : "s")"
                                + (count < series.values.count ? " (last \(count) drawn)" : ""), theme[.muted]))
            }
            lines.append(row)
        }
        return lines
    }

    /// `ALERTS HELD: deploy` while a downtime covers the instance now (the reason from the fleet's
    /// row), else `none`, with how many are scheduled.
    static func downtimeSpans(_ detail: CheckDetail, model: Model) -> [Span] {
        let theme = model.theme
        let scheduled = detail.downtimes.count
        let more = scheduled == 0 ? "" : " · \(scheduled) scheduled (below)"
        guard detail.inDowntime else { return [Span("none now" + more, theme[.text])] }
        let reason = model.snapshot?.fleet.lazy.flatMap(\.instances).first { $0.id == detail.instance }?.downtime
        return [Span("ALERTS HELD", theme[.warning].adding(.bold)), Span((reason.map { ": \($0)" } ?? "") + more, theme[.warning])]
    }

    /// One downtime: what it covers, when, who set it, and its comment.
    static func downtimeText(_ record: DowntimeRecord, model: Model) -> String {
        let (downtime, now) = (record.downtime, model.now)
        let target = record.instance ?? "every instance of \(record.service) in \(record.environment)"
        func time(_ date: Date) -> String { ClockFormat.time(date, in: model.timeZone) }
        let when: String
        switch downtime.kind {
        case .fixed:
            when = downtime.start > now ? "fixed, \(time(downtime.start))–\(time(downtime.end))"
                : "fixed, until \(time(downtime.end)) (\(ClockFormat.duration(from: now, to: downtime.end)) left)"
        case .flexible(let duration):
            if let begin = downtime.triggeredAt {
                when = "flexible \(length(duration)), started \(time(begin)), until \(time(begin.addingTimeInterval(duration)))"
            } else {
                when = "flexible \(length(duration)) from a problem starting before \(time(downtime.end)) (waiting)"
            }
        }
        return "\(target) · \(when) · by \(record.by)" + (downtime.comment.isEmpty ? "" : " · \(downtime.comment)")
    }

    /// `30 min`, `1 h`, `1 h 30 min`, `45 s`.
    static func length(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total) s" }
        if total < 3600 { return "\(total / 60) min" }
        let (hours, minutes) = (total / 3600, (total % 3600) / 60)
        return minutes == 0 ? "\(hours) h" : "\(hours) h \(minutes) min"
    }

    static func nextText(_ detail: CheckDetail, now: Date) -> String {
        guard let next = detail.nextCheck else { return detail.kind == "passive" ? "results come from the service" : "next not scheduled" }
        return next > now ? "next in \(ClockFormat.duration(from: now, to: next))" : "next due now"
    }

    static func took(_ seconds: Double) -> String {
        seconds < 1 ? (seconds <= 0 ? "0ms" : FleetView.milliseconds(seconds)) : String(format: "%.2fs", seconds)
    }

    /// A perfdata number as plugins print them: `3`, `0.01235`, `1234.5`.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return abs(value) >= 100 ? String(format: "%.1f", value) : String(format: "%.4g", value)
    }

    static func kindLabel(_ kind: HealthEvent.Kind) -> String {
        switch kind {
        case .soft: return "soft"
        case .hard: return "HARD"
        case .flappingStarted: return "flapping started"
        case .flappingStopped: return "flapping stopped"
        case .downtimeStarted: return "downtime started"
        case .downtimeEnded: return "downtime ended"
        }
    }

    static func role(_ status: CheckStatus) -> ThemeRole {
        switch status {
        case .ok: return .ok
        case .warning: return .warning
        case .critical: return .critical
        case .unknown: return .muted
        }
    }
}
