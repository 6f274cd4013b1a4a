import CNCurses
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What happened while the UI loop waited.
public enum WaitResult: Sendable, Equatable {
    case input, wake, timeout, hangup
}

/// The real terminal through ncursesw. Opens the controlling terminal (`/dev/tty`) with `newterm`,
/// so the screen works when stdout is redirected. Every call must come from the one UI thread.
public final class NCursesBackend: Backend {
    public struct OpenError: Error, CustomStringConvertible {
        public var description: String
    }

    private let screenPointer: OpaquePointer
    private let window: UnsafeMutablePointer<WINDOW>
    private let input: UnsafeMutablePointer<FILE>
    private let output: UnsafeMutablePointer<FILE>
    private let fd: Int32
    public let colorMode: ColorMode
    /// The locale's character set is not UTF-8: only ASCII reaches the terminal.
    public let asciiOnly: Bool
    private var pairs: [PairKey: Int32] = [:]
    private var restored = false

    private struct PairKey: Hashable { var fg: Int32, bg: Int32 }

    /// Starts full-screen mode on `path`. `noColor` (from `NO_COLOR`) forces monochrome.
    public init(path: String = "/dev/tty", noColor: Bool, termType: String? = nil) throws {
        setlocale(LC_ALL, "")
        asciiOnly = String(cString: nl_langinfo(nl_item(CODESET))) != "UTF-8"
        guard let file = fopen(path, "r+") else {
            throw OpenError(description: "cannot open \(path): \(String(cString: strerror(errno))); Shipdeck needs a terminal")
        }
        fd = fileno(file)
        shipdeck_save_terminal(fd)
        input = file
        output = file
        guard let screenPointer = newterm(termType, output, input) else {
            fclose(file)
            throw OpenError(description: "the terminal type '\(termType ?? "$TERM")' is unknown to ncurses; set TERM to e.g. xterm-256color")
        }
        self.screenPointer = screenPointer
        set_term(screenPointer)
        guard let window = shipdeck_stdscr() else { throw OpenError(description: "ncurses gave no screen window") }
        self.window = window
        shipdeck_install_crash_restore()
        cbreak()
        noecho()
        nonl()
        keypad(window, true)
        nodelay(window, true)
        set_escdelay(25)
        curs_set(0)
        mouseinterval(0)
        mousemask(mmask_t(shipdeck_all_mouse_events()) & ~mmask_t(shipdeck_report_mouse_position_mask()), nil)
        if !noColor && has_colors() {
            start_color()
            use_default_colors()
            let count = shipdeck_colors()
            colorMode = count >= 256 ? .indexed256 : count >= 16 ? .ansi16 : .ansi8
        } else {
            colorMode = .monochrome
        }
    }

    deinit { restore() }

    /// Leaves full-screen mode and gives the terminal back as it was. Safe to call twice.
    public func restore() {
        guard !restored else { return }
        restored = true
        endwin()
        delscreen(screenPointer)
        fclose(input)
    }

    public var size: Size { Size(width: Int(getmaxx(window)), height: Int(getmaxy(window))) }

    public var fileDescriptor: Int32 { fd }

    public func clear() { wclear(window) }

    public func draw(_ runs: [CellRun]) {
        for run in runs {
            var x = run.x
            var start = 0
            while start < run.cells.count {
                let style = run.cells[start].style
                var end = start
                var characters: [wchar_t] = []
                while end < run.cells.count && run.cells[end].style == style {
                    let text = asciiOnly ? ASCIIFallback.map(run.cells[end].text) : run.cells[end].text
                    for scalar in text.unicodeScalars { characters.append(wchar_t(bitPattern: scalar.value)) }
                    end += 1
                }
                apply(style)
                // A run may start on a wide character's continuation cell: skip it.
                if wmove(window, Int32(run.y), Int32(x)) != shipdeck_err() { _ = waddnwstr(window, characters, Int32(characters.count)) }
                x += end - start
                start = end
            }
        }
    }

    public func flush() {
        wnoutrefresh(window)
        doupdate()
    }

    /// ncurses' `beep`: the audible bell, or a visible flash on a terminal without one.
    public func bell() { _ = beep() }

    private func apply(_ style: Style) {
        var attributes = shipdeck_a_normal()
        if style.attributes.contains(.bold) { attributes |= shipdeck_a_bold() }
        if style.attributes.contains(.underline) { attributes |= shipdeck_a_underline() }
        if style.attributes.contains(.reverse) { attributes |= shipdeck_a_reverse() }
        if style.attributes.contains(.dim) { attributes |= shipdeck_a_dim() }
        _ = shipdeck_wattr_set(window, attributes, pair(for: style))
    }

    private func pair(for style: Style) -> Int32 {
        guard colorMode != .monochrome else { return 0 }
        let key = PairKey(fg: number(colorMode.reduce(style.foreground)), bg: number(colorMode.reduce(style.background)))
        if key.fg == -1 && key.bg == -1 { return 0 }
        if let pair = pairs[key] { return pair }
        let pair = alloc_pair(key.fg, key.bg)
        pairs[key] = max(0, pair)
        return max(0, pair)
    }

    private func number(_ color: Color) -> Int32 {
        switch color {
        case .default: return -1
        case .ansi(let n), .indexed(let n): return Int32(n)
        case .rgb: return -1
        }
    }

    /// Blocks until the terminal has input, `wakeFD` becomes readable, or `timeoutMilliseconds` pass
    /// (-1 waits forever). A closed terminal reports `.hangup`.
    public func wait(wakeFD: Int32, timeoutMilliseconds: Int32) -> WaitResult {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        let result = poll(&fds, 2, timeoutMilliseconds)
        if result < 0 { return errno == EINTR ? .input : .hangup }
        if result == 0 { return .timeout }
        if fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 { return .hangup }
        if fds[0].revents & Int16(POLLIN) != 0 { return .input }
        return .wake
    }

    /// Reads every pending input event without blocking. Returns nil when the terminal is gone.
    public func readEvents() -> [Event]? {
        var events: [Event] = []
        while true {
            var character: wint_t = 0
            let status = wget_wch(window, &character)
            if status == shipdeck_err() {
                if errno == EIO { return nil }
                break
            }
            if status == shipdeck_key_code_yes() {
                if let event = translateKeyCode(Int32(character)) { events.append(event) }
            } else if let scalar = Unicode.Scalar(UInt32(character)) {
                events.append(.key(KeyDecoder.key(for: scalar)))
            }
        }
        return events
    }

    private func translateKeyCode(_ code: Int32) -> Event? {
        switch code {
        case shipdeck_key_resize(): return .resize(size)
        case shipdeck_key_mouse():
            var event = MEVENT()
            guard getmouse(&event) == shipdeck_ok() else { return nil }
            let state = mmask_t(event.bstate)
            if state & shipdeck_button4_pressed() != 0 { return .mouse(MouseEvent(button: .wheelUp, x: Int(event.x), y: Int(event.y))) }
            if state & shipdeck_button5_pressed() != 0 { return .mouse(MouseEvent(button: .wheelDown, x: Int(event.x), y: Int(event.y))) }
            if state & (shipdeck_button1_pressed() | shipdeck_button1_clicked()) != 0 {
                return .mouse(MouseEvent(button: .left, x: Int(event.x), y: Int(event.y)))
            }
            return nil
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_HOME: return .key(.home)
        case KEY_END: return .key(.end)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_BTAB: return .key(.backTab)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_DC: return .key(.delete)
        case KEY_ENTER: return .key(.enter)
        default:
            for n in 1...12 where code == shipdeck_key_f(Int32(n)) { return .key(.function(n)) }
            return nil
        }
    }
}

/// Turns characters read from the terminal into keys.
public enum KeyDecoder {
    public static func key(for scalar: Unicode.Scalar) -> Key {
        switch scalar.value {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .ctrl(Character(Unicode.Scalar(scalar.value + 96)!))
        default: return .character(Character(scalar))
        }
    }
}
