import Foundation
import ShipdeckCore

/// A card's detail (Enter on the board): its fields, its linked commits with the builds that contain
/// each and where each runs now, and why the board moved it back, if it did.
public enum CardDetail {
    public static func lines(_ card: Card, snapshot: WorkspaceSnapshot, now: Date, history: [CardHistoryEntry]? = nil) -> [String] {
        var lines = ["\(card.id) — \(card.title)",
                     "Column:    \(card.column)",
                     "Assignee:  \(card.assignee ?? "nobody")",
                     "Labels:    \(card.labels.isEmpty ? "—" : card.labels.joined(separator: ", "))",
                     "Services:  \(card.services.isEmpty ? "—" : card.services.joined(separator: ", "))",
                     "Created:   \(ClockFormat.age(card.createdAt, now: now))",
                     "Updated:   \(ClockFormat.age(card.updatedAt, now: now))"]
        if let flag = card.flag { lines.append("Flagged:   \(flag)") }
        let environments = snapshot.workspace.environments.map(\.name)
        if card.commits.isEmpty {
            lines.append("Delivery:  no commit mentions \(card.id) yet (write it in a commit message)")
        } else {
            let runs = environments.filter { card.runs(in: $0) }
            lines.append("Delivery:  " + (runs.isEmpty ? "not running anywhere yet" : "runs in " + runs.joined(separator: ", "))
                         + (card.inProdSince.map { " · in prod since \(ClockFormat.age($0, now: now)) ago" } ?? ""))
            lines.append("")
            lines.append("Commits")
            for commit in card.commits {
                let builds = commit.builds.suffix(4).map { number in
                    let state = snapshot.pipelines.first { $0.service == commit.service }?.builds.first { $0.number == number }?.state.rawValue
                    return "#\(number)" + (state.map { " \($0)" } ?? "")
                }
                let whereNow = environments.map { "\($0): \(commit.runsIn.contains($0) ? "yes" : "not yet")" }.joined(separator: "  ")
                lines.append("  \(commit.service) \(commit.shortSHA) \(commit.subject) — \(commit.author)")
                lines.append("    builds \(builds.joined(separator: ", "))  ·  \(whereNow)")
            }
        }
        if !card.description.isEmpty {
            lines.append("")
            lines += card.description.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        if let history, !history.isEmpty {
            lines.append("")
            lines.append("History (newest first)")
            for entry in history.reversed() {
                lines.append("  \(ClockFormat.age(entry.at, now: now).padding(toLength: 8, withPad: " ", startingAt: 0)) \(entry.who.padding(toLength: 6, withPad: " ", startingAt: 0)) \(entry.change)")
            }
        }
        return lines
    }
}
