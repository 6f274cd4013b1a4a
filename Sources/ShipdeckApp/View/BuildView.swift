import Foundation
import ShipdeckCore
import TerminalUI

/// The text of a build's detail: what it built, who started it, and its jobs in order with state,
/// duration and why they wait or failed.
enum BuildView {
    static func summary(_ build: BuildRecord, model: Model) -> [String] {
        let took = build.startedAt.map { ClockFormat.duration(from: $0, to: build.finishedAt ?? model.now) } ?? "—"
        var lines = [
            "\(build.name) — \(build.message)",
            "State:    \(BuildGlyphs.label(build.state, model.glyphs))   took \(took)",
            "Commit:   \(build.commit.prefix(12)) on \(build.branch) by \(build.author.isEmpty ? "—" : build.author)",
            "Started:  \(build.source)\(build.startedBy.map { " by \($0)" } ?? "")  \(ClockFormat.age(build.createdAt, now: model.now))",
        ]
        if let error = build.error { lines += ["", error] }
        lines.append("")
        for job in build.jobs {
            let took = job.startedAt.map { ClockFormat.duration(from: $0, to: job.finishedAt ?? model.now) } ?? ""
            let attempt = job.attempt > 1 ? " (attempt \(job.attempt))" : ""
            var line = BuildGlyphs.label(job.state, model.glyphs).padded(to: 14) + job.label.padded(to: 30) + took.padded(to: 8) + attempt
            if let by = job.unblockedBy { line += " by \(by)" }
            if let detail = job.detail, job.unblockedBy == nil { line += "  \(detail)" }
            lines.append(line)
        }
        if build.jobs.isEmpty && build.error == nil { lines.append("Reading the pipeline…") }
        return lines
    }
}
