import Dispatch
import Foundation
import ShipdeckCore
import TerminalUI

/// Runs the dashboard in the real terminal: one thread owns ncurses and blocks in `poll` on the
/// terminal and the inbox's wake-up pipe; core events, finished effects and signals arrive through
/// the inbox. It redraws only after input, an event, or the 1 Hz clock tick.
public final class AppRunner: @unchecked Sendable {
    private let client: any CoreClient
    private let person: String
    private let themes: ThemeCatalog
    private let inbox = Inbox()
    private var signals: SignalListener?

    public init(client: any CoreClient, person: String, themes: ThemeCatalog) {
        self.client = client
        self.person = person
        self.themes = themes
    }

    /// Opens the terminal, runs until the user quits or a signal arrives, and restores the terminal
    /// before returning — also when it throws. Returns the signal that ended it, if one did.
    @discardableResult
    public func run(model initial: Model, noColor: Bool) async throws -> Int32? {
        installSignalHandlers()
        let bridge = Task { [client, inbox] in
            for await event in await client.events() { inbox.push(.core(event)) }
        }
        let connection = Task { [client, inbox] in
            for await state in await client.connectionStates() { inbox.push(.connection(state)) }
        }
        defer {
            bridge.cancel()
            connection.cancel()
        }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32?, any Error>) in
            let thread = Thread { [self] in
                do {
                    continuation.resume(returning: try self.loop(initial, noColor: noColor))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "shipdeck-ui"
            thread.start()
        }
    }

    private func loop(_ initial: Model, noColor: Bool) throws -> Int32? {
        let backend = try NCursesBackend(noColor: noColor)
        defer { backend.restore() }
        var model = initial
        model.theme = model.theme.reduced(to: backend.colorMode)
        let driver = AppDriver(model: model, backend: backend)
        driver.render()
        while !driver.model.quit {
            let now = Date()
            let untilNextSecond = Int32(max(1, (1 - now.timeIntervalSince1970.truncatingRemainder(dividingBy: 1)) * 1000))
            switch backend.wait(wakeFD: inbox.readFD, timeoutMilliseconds: untilNextSecond) {
            case .hangup: return SIGHUP
            case .timeout: break
            case .input, .wake: break
            }
            guard let events = backend.readEvents() else { return SIGHUP }
            for event in events { run(driver.handle(event), driver: driver, colorMode: backend.colorMode) }
            for action in inbox.drain() { run(driver.dispatch(action), driver: driver, colorMode: backend.colorMode) }
            let tick = Date()
            if Int(tick.timeIntervalSince1970) != Int(driver.model.now.timeIntervalSince1970) { driver.dispatch(.tick(tick)) }
            if !driver.model.quit { driver.render() }
        }
        return driver.model.exitSignal
    }

    private func run(_ effects: [Effect], driver: AppDriver, colorMode: ColorMode) {
        for effect in effects {
            switch effect {
            case .perform(let command):
                Task { [client, person, inbox] in
                    do { try await client.perform(command, as: person) } catch {
                        inbox.push(.commandFailed(String(describing: error)))
                    }
                }
            case .performThen(let command, let then):
                Task { [client, person, inbox] in
                    do {
                        try await client.perform(command, as: person)
                        inbox.push(then)
                    } catch {
                        inbox.push(.commandFailed(String(describing: error)))
                    }
                }
            case .loadCardHistory(let id):
                Task { [client, inbox] in
                    if let history = try? await client.cardHistory(id: id) { inbox.push(.cardHistoryLoaded(id: id, history: history)) }
                }
            case .loadCheckDetail(let instance):
                Task { [client, inbox] in
                    do {
                        inbox.push(.checkDetailLoaded(try await client.checkDetail(instance: instance)))
                    } catch {
                        inbox.push(.checkDetailFailed(instance: instance, message: String(describing: error)))
                    }
                }
            case .loadLog(let service, let number, let job, let attempt, let after):
                Task { [client, inbox] in
                    do {
                        let lines = try await client.log(service: service, number: number, job: job, attempt: attempt, after: after,
                                                         limit: LogViewState.pageSize)
                        inbox.push(.logLoaded(service: service, number: number, job: job, lines: lines))
                    } catch {
                        inbox.push(.logFailed(String(describing: error)))
                    }
                }
            case .loadInstanceLog(let id, let after):
                Task { [client, inbox] in
                    do {
                        let lines = try await client.instanceLog(id: id, after: after, limit: LogViewState.pageSize)
                        inbox.push(.instanceLogLoaded(id: id, lines: lines))
                    } catch {
                        inbox.push(.logFailed(String(describing: error)))
                    }
                }
            case .bell:
                break  // rung by the driver as the update returned it
            case .loadTheme(let name):
                let (theme, notice) = themes.load(name)
                run(driver.dispatch(.setTheme(theme.reduced(to: colorMode), notice: notice ?? Notice("Theme \(theme.name)"))), driver: driver, colorMode: colorMode)
            }
        }
    }

    /// SIGINT, SIGTERM and SIGHUP end the loop through the inbox, so the terminal is restored on the
    /// UI thread like on `q`.
    private func installSignalHandlers() {
        signals = SignalListener([SIGINT, SIGTERM, SIGHUP]) { [inbox] number in inbox.push(.signalled(number)) }
    }
}
