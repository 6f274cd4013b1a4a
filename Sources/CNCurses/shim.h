#ifndef SHIPDECK_CNCURSES_SHIM_H
#define SHIPDECK_CNCURSES_SHIM_H
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <stdio.h>
#include <ncursesw/ncurses.h>

/// Swift 6 rejects ncurses' mutable C globals; read them through these functions instead.
static inline WINDOW *shipdeck_stdscr(void) { return stdscr; }
static inline int shipdeck_colors(void) { return COLORS; }
static inline int shipdeck_color_pairs(void) { return COLOR_PAIRS; }
static inline int shipdeck_key_resize(void) { return KEY_RESIZE; }
static inline int shipdeck_key_mouse(void) { return KEY_MOUSE; }
static inline int shipdeck_key_code_yes(void) { return KEY_CODE_YES; }
static inline int shipdeck_err(void) { return ERR; }
static inline int shipdeck_ok(void) { return OK; }
static inline mmask_t shipdeck_all_mouse_events(void) { return ALL_MOUSE_EVENTS; }
static inline mmask_t shipdeck_report_mouse_position_mask(void) { return REPORT_MOUSE_POSITION; }
static inline mmask_t shipdeck_button1_pressed(void) { return BUTTON1_PRESSED; }
static inline mmask_t shipdeck_button1_clicked(void) { return BUTTON1_CLICKED; }
static inline mmask_t shipdeck_button1_released(void) { return BUTTON1_RELEASED; }
static inline mmask_t shipdeck_button4_pressed(void) { return BUTTON4_PRESSED; }
static inline mmask_t shipdeck_button5_pressed(void) { return BUTTON5_PRESSED; }
static inline attr_t shipdeck_a_bold(void) { return A_BOLD; }
static inline attr_t shipdeck_a_underline(void) { return A_UNDERLINE; }
static inline attr_t shipdeck_a_reverse(void) { return A_REVERSE; }
static inline attr_t shipdeck_a_dim(void) { return A_DIM; }
static inline attr_t shipdeck_a_normal(void) { return A_NORMAL; }
static inline int shipdeck_key_f(int n) { return KEY_F(n); }
#endif

#include <signal.h>
#include <termios.h>
#include <unistd.h>
#include <string.h>

/* Restoring the terminal from a fatal signal (a crash): only async-signal-safe calls here. */
/* State lives in function-local statics: a header's file-scope statics are not emitted for Swift. */
struct shipdeck_restore_state { int fd; int have_termios; struct termios termios; };

static inline struct shipdeck_restore_state *shipdeck_restore_state(void) {
    static struct shipdeck_restore_state state = { -1, 0 };
    return &state;
}

static inline void shipdeck_save_terminal(int fd) {
    struct shipdeck_restore_state *state = shipdeck_restore_state();
    state->fd = fd;
    state->have_termios = tcgetattr(fd, &state->termios) == 0;
}

static inline void shipdeck_emergency_restore(void) {
    struct shipdeck_restore_state *state = shipdeck_restore_state();
    if (state->fd < 0) return;
    static const char reset[] = "\033[?1000l\033[?1002l\033[?1006l\033[?2004l\033[0m\033[?25h\033[?1049l\r\n";
    ssize_t ignored = write(state->fd, reset, sizeof(reset) - 1);
    (void)ignored;
    if (state->have_termios) tcsetattr(state->fd, TCSANOW, &state->termios);
}

static void shipdeck_crash_handler(int sig) {
    shipdeck_emergency_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

/// On SIGSEGV, SIGBUS, SIGILL, SIGTRAP (Swift's fatalError), SIGABRT and SIGFPE: restore the terminal, then die as before.
static inline void shipdeck_install_crash_restore(void) {
    int signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE };
    for (unsigned i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) signal(signals[i], shipdeck_crash_handler);
}

static inline int shipdeck_wattr_set(WINDOW *win, attr_t attrs, int pair) {
    return wattr_set(win, attrs, (short)(pair < 32767 ? pair : 0), &pair);
}
