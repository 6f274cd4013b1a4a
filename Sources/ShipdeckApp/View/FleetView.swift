import Foundation
import ShipdeckCore
import TerminalUI

/// The text of a service's Fleet detail: its endpoint and traffic, the deploy in flight, every
/// instance, and the deploy history.
enum FleetView {
    /// Title first; `instanceRow` is the index of the first instance line (after the title).
    static func lines(_ row: FleetRow, model: Model) -> (lines: [String], instanceRow: Int) {
        let traffic = row.traffic
        var lines = [
            "\(row.service) in \(row.environment)",
            "Endpoint: 127.0.0.1:\(row.port)   image \(row.image ?? "not deployed")   \(row.serving.count)/\(row.desiredInstances) serving",
            "Traffic:  " + trafficText(traffic),
        ]
        if let error = row.endpointError { lines.append("Endpoint not listening (tried again until it listens): \(error)") }
        if let deploy = row.deploy {
            lines.append("Deploying \(deploy.image) (\(deploy.source) by \(deploy.by)): \(deploy.progress ?? deploy.outcome.rawValue)")
        }
        lines.append("")
        // An ALERTS column appears while an instance's alerts are held (FLAPPING, DOWNTIME).
        let marksWidth = row.instances.map { alertMarks($0).count }.max() ?? 0
        let alertsWidth = marksWidth == 0 ? 0 : max(marksWidth, 6) + 2
        lines.append("INSTANCE".padded(to: 24) + "IMAGE".padded(to: 14) + "STATE".padded(to: 11) + "HEALTH".padded(to: 22)
                     + (alertsWidth == 0 ? "" : "ALERTS".padded(to: alertsWidth)) + "UP".padded(to: 8) + "RST".padded(to: 5)
                     + "CPU".padded(to: 7) + "MEM".padded(to: 8) + "PORT".padded(to: 7) + "PROCESS")
        let instanceRow = lines.count - 1
        if row.instances.isEmpty { lines.append("No instances: D deploys an image.") }
        for instance in row.instances {
            let up = instance.startedAt.map { ClockFormat.duration(from: $0, to: model.now) } ?? ""
            let state = instance.state.rawValue + (instance.active ? "" : "*")
            let cpu = instance.cpuPercent.map { String(format: "%.0f%%", $0) } ?? "—"
            let memory = instance.memoryBytes.map { "\($0 >> 20)M" } ?? "—"
            var line = instance.id.padded(to: 24) + instance.image.padded(to: 14) + state.padded(to: 11)
                + healthText(instance, now: model.now).padded(to: 22) + alertMarks(instance).padded(to: alertsWidth) + up.padded(to: 8)
                + String(instance.restarts).padded(to: 5) + cpu.padded(to: 7) + memory.padded(to: 8) + String(instance.port).padded(to: 7) + instance.handle
            if let detail = instance.detail { line += "  \(detail)" }
            if let downtime = instance.downtime { line += "  alerts held: \(downtime)" }
            lines.append(line)
        }
        if row.instances.contains(where: { !$0.active }) { lines.append("* not serving: a new group being checked, or the old one draining or kept warm") }
        if !row.instances.isEmpty, let keys = Keymap.modeKeys.first(where: { $0.0 == "Fleet detail" })?.1 { lines.append(keys) }
        lines.append("")
        lines.append("Deploys")
        if row.history.isEmpty { lines.append("  none yet") }
        for deploy in row.history {
            let took = deploy.duration.map { String(format: "%.1fs", $0) } ?? ""
            lines.append("  " + deploy.image.padded(to: 14) + deploy.outcome.rawValue.padded(to: 10) + deploy.by.padded(to: 7)
                         + deploy.source.padded(to: 9) + ClockFormat.age(deploy.startedAt, now: model.now).padded(to: 9) + took.padded(to: 7)
                         + (deploy.reason ?? ""))
        }
        return (lines, instanceRow)
    }

    /// `OK 3s`, `CRITICAL SOFT 2/3 1s`, `CRITICAL HARD 3s`: the check's state, type and attempt, and
    /// the age of the last check.
    static func healthText(_ instance: InstanceRecord, now: Date) -> String {
        let age = instance.checkedAt.map { " " + ClockFormat.duration(from: $0, to: now) } ?? ""
        switch instance.health {
        case .ok: return "OK" + age
        case .pending: return "pending"
        default:
            let type = instance.checkType?.uppercased() ?? ""
            let attempt = instance.checkType == "soft" ? " " + (instance.checkAttempt ?? "") : ""
            return "\(instance.health.rawValue.uppercased()) \(type)\(attempt)\(age)"
        }
    }

    /// Why the instance's HARD changes do not alert now: `FLAPPING`, `DOWNTIME` (a scheduled
    /// downtime, or a deploy's group warming up or draining); empty when they do.
    static func alertMarks(_ instance: InstanceRecord) -> String {
        [instance.flapping == true ? "FLAPPING" : nil, instance.downtime != nil ? "DOWNTIME" : nil].compactMap { $0 }.joined(separator: " ")
    }

    /// The marks of a service's active instances together (`FLAPPING DOWNTIME`), for its row in the pane.
    static func heldMarks(_ row: FleetRow) -> String {
        let active = row.instances.filter(\.active)
        return [active.contains { $0.flapping == true } ? "FLAPPING" : nil, active.contains { $0.downtime != nil } ? "DOWNTIME" : nil]
            .compactMap { $0 }.joined(separator: " ")
    }

    static func trafficText(_ traffic: TrafficStats) -> String {
        String(format: "%.1f req/s   errors %.1f%%   p50 %@   p99 %@   in flight %d", traffic.requestsPerSecond, traffic.errorRate * 100,
               milliseconds(traffic.p50), milliseconds(traffic.p99), traffic.inFlight)
    }

    static func milliseconds(_ seconds: Double) -> String {
        seconds <= 0 ? "—" : seconds < 0.01 ? String(format: "%.1fms", seconds * 1000) : String(format: "%.0fms", seconds * 1000)
    }
}

/// A picker dialog: a list, the selected entry highlighted.
enum PickerView {
    static func render(_ picker: Picker, model: Model, into screen: inout Screen) {
        let widest = picker.entries.map { CharacterWidth.of($0.label) }.max() ?? 20
        let width = min(screen.size.width - 4, max(widest, CharacterWidth.of(picker.title)) + 4)
        let height = min(screen.size.height - 4, picker.entries.count + 2)
        let area = screen.bounds.centered(width: width, height: height)
        let inner = dialogPanel(picker.title, model: model, area: area, into: &screen)
        let first = max(0, picker.selected - inner.height + 1)
        for (row, entry) in picker.entries.dropFirst(first).prefix(inner.height).enumerated() {
            let style = row + first == picker.selected ? model.theme[.selection] : model.theme[.dialog]
            screen.fill(Rect(x: inner.x, y: inner.y + row, width: inner.width, height: 1), with: Cell(" ", style: style))
            screen.put(entry.label, x: inner.x + 1, y: inner.y + row, style: style, maxWidth: inner.width - 2)
        }
    }
}
