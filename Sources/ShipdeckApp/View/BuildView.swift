import Foundation
import ShipdeckCore
import TerminalUI

/// The text of a build's detail: what it built, who started it, and its jobs in order with state,
/// duration and why they wait or failed.
enum BuildView {
    /// The lines; the error is split and wrapped to `width` columns so all of it shows.
    static func summary(_ build: BuildRecord, model: Model, width: Int = 80) -> [String] {
        let took = build.startedAt.map { ClockFormat.duration(from: $0, to: build.finishedAt ?? model.now) } ?? "—"
        var lines = [
            "\(build.name) — \(build.message)",
            "State:    \(BuildGlyphs.label(build.state, model.glyphs))   took \(took)",
            "Commit:   \(build.commit.prefix(12)) on \(build.branch) by \(build.author.isEmpty ? "—" : build.author)",
            "Started:  \(build.source)\(build.startedBy.map { " by \($0)" } ?? "")  \(ClockFormat.age(build.createdAt, now: model.now))",
        ]
        if let error = build.error {
            lines.append("")
            for line in error.split(separator: "\n") { lines += wrap(String(line), width: max(20, width)) }
        }
        lines.append("")
        for job in build.jobs {
            let took = job.startedAt.map { ClockFormat.duration(from: $0, to: job.finishedAt ?? model.now) } ?? ""
            let attempt = job.attempt > 1 ? " (attempt \(job.attempt))" : ""
            var line = BuildGlyphs.label(job.state, model.glyphs).padded(to: 14) + job.label.padded(to: 30) + took.padded(to: 8) + attempt
            if let by = job.unblockedBy { line += " by \(by)" + (job.finishedAt.map { " \(ClockFormat.age($0, now: model.now))" } ?? "") }
            if let detail = job.detail, job.unblockedBy == nil { line += "  \(detail)" }
            lines.append(line)
        }
        if build.jobs.isEmpty && build.error == nil { lines.append("Reading the pipeline…") }
        return lines
    }

    /// Cuts `text` into rows of at most `width` columns, at spaces where it can.
    static func wrap(_ text: String, width: Int) -> [String] {
        var rows: [String] = [], current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if CharacterWidth.of(candidate) <= width { current = candidate; continue }
            if !current.isEmpty { rows.append(current) }
            current = String(word)
            while CharacterWidth.of(current) > width {
                rows.append(String(current.prefix(width)))
                current = String(current.dropFirst(width))
            }
        }
        if !current.isEmpty { rows.append(current) }
        return rows
    }
}
