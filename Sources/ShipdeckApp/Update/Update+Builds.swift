import Foundation
import ShipdeckCore
import TerminalUI

extension Model {
    /// Whether the job a log view shows still runs.
    func jobIsRunning(_ log: LogViewState) -> Bool {
        let build = snapshot?.pipelines.first { $0.service == log.service }?.builds.first { $0.number == log.number }
        return build?.jobs.first { $0.id == log.job }?.state == .running
    }

    /// The services of the workspace, for completion.
    public var serviceNames: [String] { snapshot?.pipelines.map(\.service) ?? [] }
}

/// Build actions of the Pipelines pane.
func updateBuilds(_ model: inout Model, _ action: Action) -> [Effect] {
    switch action {
    case .promptBuild:
        var field = TextField()
        field.set("build ")
        model.mode = .palette(field, selected: 0)
    case .unblockSelected:
        guard let build = model.selectedBuild else { return noBuild(&model) }
        guard let job = build.jobs.first(where: { $0.state == .blocked }) else {
            model.notice = Notice("\(build.name) is not waiting at a block step", level: .warning)
            return []
        }
        let prompt = job.prompt ?? job.label
        if job.form.isEmpty {
            model.mode = .confirm(Confirmation(title: "Unblock \(build.name)?", lines: [prompt, "Continues the build past “\(job.label)”."],
                                               confirmLabel: "Unblock", action: .perform(.unblock(service: build.service, number: build.number, job: job.id, fields: [:]))))
        } else {
            model.mode = .form(UnblockForm(service: build.service, number: build.number, job: job.id, prompt: prompt, fields: job.form))
        }
    case .cancelSelected:
        guard let build = model.selectedBuild else { return noBuild(&model) }
        guard !build.state.isFinished else {
            model.notice = Notice("\(build.name) has already \(build.state.rawValue)", level: .warning)
            return []
        }
        model.mode = .confirm(Confirmation(title: "Cancel \(build.name)?", lines: ["\(build.message)", "Running jobs are stopped (TERM, then KILL)."],
                                           confirmLabel: "Cancel build", action: .perform(.cancelBuild(service: build.service, number: build.number))))
    case .retrySelected(let all):
        guard let build = model.selectedBuild else { return noBuild(&model) }
        let job = !all && model.mode == .detail && model.detailJob < build.jobs.count ? build.jobs[model.detailJob].id : nil
        return [.perform(.retryJobs(service: build.service, number: build.number, job: job))]
    case .logLoaded(let service, let number, let job, let lines):
        guard case .log(var log) = model.mode, log.service == service, log.number == number, log.job == job else { return [] }
        let known = log.lines.last?.line ?? 0
        log.lines += lines.filter { $0.line > known }
        log.loading = false
        if log.follow { log.offset = max(0, log.lines.count - logHeight(model)) }
        model.mode = .log(log)
        // A full page means more is waiting: fetch the next one right away.
        if lines.count >= LogViewState.pageSize {
            return [.loadLog(service: service, number: number, job: job, attempt: log.attempt, after: log.lines.last?.line ?? 0)]
        }
    case .logFailed(let message):
        if case .log(var log) = model.mode {
            log.error = message
            log.loading = false
            model.mode = .log(log)
        } else {
            model.notice = Notice(message, level: .error)
        }
    default: break
    }
    return []
}

private func noBuild(_ model: inout Model) -> [Effect] {
    model.notice = Notice("No build selected; b starts one", level: .warning)
    return []
}

/// j/k choose a job in a build's detail; Enter opens its log.
func buildDetailKey(_ model: inout Model, _ key: Key) -> [Effect] {
    guard let build = model.selectedBuild else { return [] }
    switch key {
    case .character("j"), .down: model.detailJob = min(max(0, build.jobs.count - 1), model.detailJob + 1)
    case .character("k"), .up: model.detailJob = max(0, model.detailJob - 1)
    case .enter:
        guard model.detailJob < build.jobs.count else { return [] }
        let job = build.jobs[model.detailJob]
        model.mode = .log(LogViewState(service: build.service, number: build.number, job: job.id, label: job.label, attempt: job.attempt))
        return [.loadLog(service: build.service, number: build.number, job: job.id, attempt: job.attempt, after: 0)]
    default: break
    }
    return []
}

/// The rows a log view shows.
func logHeight(_ model: Model) -> Int { max(1, model.size.height - 6) }

/// Keys of the log view.
func logKey(_ model: inout Model, _ log: inout LogViewState, _ key: Key) -> [Effect] {
    if var field = log.searching {
        switch key {
        case .enter:
            log.searching = nil
            log.query = field.text.isEmpty ? nil : field.text
            jumpToMatch(&log, from: log.offset, forward: true, height: logHeight(model))
        case .escape: log.searching = nil
        default:
            field.handle(key)
            log.searching = field
        }
        model.mode = .log(log)
        return []
    }
    let height = logHeight(model)
    let last = max(0, log.lines.count - height)
    switch key {
    case .escape, .character("q"):
        model.mode = .detail
        return []
    case .character("j"), .down: log.offset = min(last, log.offset + 1); log.follow = false
    case .character("k"), .up: log.offset = max(0, log.offset - 1); log.follow = false
    case .pageDown, .ctrl("f"): log.offset = min(last, log.offset + height); log.follow = false
    case .pageUp, .ctrl("b"): log.offset = max(0, log.offset - height); log.follow = false
    case .character("g"), .home: log.offset = 0; log.follow = false
    case .character("G"), .end: log.offset = last; log.follow = true
    case .character("f"):
        log.follow.toggle()
        if log.follow { log.offset = last }
    case .character("w"): log.wrap.toggle()
    case .character("/"): log.searching = TextField(log.query ?? "")
    case .character("n"): jumpToMatch(&log, from: log.offset + 1, forward: true, height: height)
    case .character("N"): jumpToMatch(&log, from: log.offset - 1, forward: false, height: height)
    case .character("e"):
        if let index = log.lines.firstIndex(where: { LogSearch.isFailure($0.text) }) {
            log.offset = min(last, index)
            log.follow = false
        } else {
            model.notice = Notice("No failure in this log", level: .info)
        }
    default: break
    }
    model.mode = .log(log)
    return []
}

func jumpToMatch(_ log: inout LogViewState, from start: Int, forward: Bool, height: Int) {
    guard let query = log.query?.lowercased(), !query.isEmpty, !log.lines.isEmpty else { return }
    let indices = forward ? Array(max(0, start)..<log.lines.count) : Array((0...min(max(0, start), log.lines.count - 1)).reversed())
    if let index = indices.first(where: { LogSearch.plain(log.lines[$0].text).lowercased().contains(query) }) {
        log.offset = min(index, max(0, log.lines.count - height))
        log.follow = false
    }
}

/// Keys of the unblock form: Tab and ↑/↓ move, ←/→ choose an option, Enter submits after a confirmation.
func formKey(_ model: inout Model, _ form: inout UnblockForm, _ key: Key) -> [Effect] {
    switch key {
    case .escape:
        model.mode = .normal
        return []
    case .tab, .down: form.focused = (form.focused + 1) % max(1, form.fields.count)
    case .backTab, .up: form.focused = (form.focused + form.fields.count - 1) % max(1, form.fields.count)
    case .enter:
        for (index, field) in form.fields.enumerated() where field.required && field.kind == .text && form.values[index].text.isEmpty {
            model.notice = Notice("'\(field.label)' is required\(field.hint.map { ": \($0)" } ?? "")", level: .warning)
            form.focused = index
            model.mode = .form(form)
            return []
        }
        let answers = form.answers
        model.mode = .confirm(Confirmation(
            title: "Unblock \(form.service)#\(form.number)?", lines: [form.prompt] + form.fields.map { "\($0.label): \(answers[$0.key] ?? "")" },
            confirmLabel: "Unblock", action: .perform(.unblock(service: form.service, number: form.number, job: form.job, fields: answers))))
        return []
    default:
        let field = form.fields[form.focused]
        if field.kind == .select && !field.options.isEmpty {
            if key == .left { form.choices[form.focused] = max(0, form.choices[form.focused] - 1) }
            if key == .right { form.choices[form.focused] = min(field.options.count - 1, form.choices[form.focused] + 1) }
        } else {
            form.values[form.focused].handle(key)
        }
    }
    model.mode = .form(form)
    return []
}

/// Reading log text: SGR colour codes removed for searching, and what counts as a failure line.
public enum LogSearch {
    public static func plain(_ text: String) -> String { ANSIText.plain(text) }

    public static func isFailure(_ text: String) -> Bool {
        let lower = plain(text).lowercased()
        return ["error", "fail", "panic", "exception", "traceback"].contains { lower.contains($0) }
    }
}
