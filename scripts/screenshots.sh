#!/usr/bin/env bash
# Renders real screens of the demo into screenshots/*.png.
#
# Runs the built shipdeck binary on a fresh demo workspace inside tmux at fixed sizes, captures
# each screen with its colours (`tmux capture-pane -e -p`) and draws it with scripts/ansi2png.py
# (pyte + Pillow, DejaVu Sans Mono).
#
# Usage: scripts/screenshots.sh [OUTPUT_DIR]        (default: screenshots/)
# Environment:
#   SHIPDECK_BIN       the binary to run (default: SCRATCH/debug/shipdeck, built when missing)
#   SHIPDECK_SCRATCH   the SwiftPM scratch path to build into (default: .build)
# Needs tmux and python3; installs fonts-dejavu-core with apt-get when missing, and pyte and
# Pillow into a venv under .build-screenshots/.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/screenshots}
SCRATCH=${SHIPDECK_SCRATCH:-$ROOT/.build}
BIN=${SHIPDECK_BIN:-$SCRATCH/debug/shipdeck}
VENV=$ROOT/.build-screenshots/venv
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf

say() { printf '%s\n' "$*" >&2; }

command -v tmux >/dev/null || { say "tmux is needed (apt-get install tmux)"; exit 1; }

if [ ! -x "$BIN" ]; then
    say "Building shipdeck into $SCRATCH"
    swift build --package-path "$ROOT" --scratch-path "$SCRATCH" --product shipdeck
fi

if [ ! -f "$FONT" ]; then
    say "Installing fonts-dejavu-core"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get install -y fonts-dejavu-core >/dev/null
fi

if ! "$VENV/bin/python" -c 'import pyte, PIL' 2>/dev/null; then
    say "Installing pyte and Pillow into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet pyte pillow
fi

TMP=$(mktemp -d /tmp/shipdeck-shots.XXXXXX)
SOCKET=shipdeck-shots-$$
tmux_() { TMUX_TMPDIR=$TMP tmux -L "$SOCKET" -f "$TMP/tmux.conf" "$@"; }
cleanup() { tmux_ kill-server 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

mkdir -p "$OUT" "$TMP/home" "$TMP/data"
printf 'set -g status off\nset -g default-terminal tmux-256color\n' > "$TMP/tmux.conf"
DEMO=$TMP/demo
"$BIN" demo --dir "$DEMO" --create-only >/dev/null
# A session that outlives the shots keeps the tmux server up between them (the last session's end
# would stop it while the next shot starts).
tmux_ new-session -d -s keep "sleep 3600"

# Polls the pane until it shows (or, with "!", no longer shows) TEXT, for up to 60 seconds.
wait_for() {
    local negate=0 text=$1 screen
    if [ "$text" = "!" ]; then negate=1; text=$2; fi
    for _ in $(seq 1200); do
        screen=$(tmux_ capture-pane -p -t shot 2>/dev/null || true)
        if [ $negate -eq 0 ] && grep -qF -- "$text" <<<"$screen"; then return 0; fi
        if [ $negate -eq 1 ] && ! grep -qF -- "$text" <<<"$screen"; then return 0; fi
        sleep 0.05
    done
    say "timed out waiting for $([ $negate -eq 1 ] && echo "not ")'$text'; screen:"; say "$screen"; cat "$TMP/stderr" >&2 2>/dev/null; return 1
}

# Polls until two captures in a row are equal, so no frame is caught half drawn.
wait_stable() {
    local previous="" current
    for _ in $(seq 100); do
        current=$(tmux_ capture-pane -e -p -t shot)
        [ "$current" = "$previous" ] && return 0
        previous=$current
        sleep 0.1
    done
}

# shot NAME COLS ROWS "EXTRA ARGS" [KEYS WAIT_TEXT ...]: opens the demo at COLS x ROWS, presses
# each KEYS ("_": none; "sh:COMMAND" runs COMMAND instead, e.g. a CLI call against the running
# core) and waits for its WAIT_TEXT ("!TEXT" waits until TEXT is gone), then captures NAME.png.
shot() {
    local name=$1 cols=$2 rows=$3 extra=$4
    shift 4
    tmux_ new-session -d -s shot -x "$cols" -y "$rows" \
        "env -i PATH='$PATH' HOME='$TMP/home' XDG_DATA_HOME='$TMP/data' USER=demo LANG=C.UTF-8 TERM=tmux-256color '$BIN' demo --dir '$DEMO' $extra 2>>'$TMP/stderr'; echo EXITED $? >> '$TMP/stderr'"
    wait_for "4 Alerts"
    while [ $# -ge 2 ]; do
        if [ "${1:0:3}" = "sh:" ]; then
            env HOME="$TMP/home" XDG_DATA_HOME="$TMP/data" USER=demo bash -c "${1:3}" >/dev/null 2>>"$TMP/stderr"
        elif [ "$1" != "_" ]; then
            tmux_ send-keys -t shot "$1"
        fi
        if [ "${2:0:1}" = "!" ]; then wait_for ! "${2:1}"; else wait_for "$2"; fi
        shift 2
    done
    wait_stable
    tmux_ capture-pane -e -p -N -t shot > "$TMP/$name.ansi"
    "$VENV/bin/python" "$ROOT/scripts/ansi2png.py" "$TMP/$name.ansi" "$OUT/$name.png" --cols "$cols" --rows "$rows"
    tmux_ kill-session -t shot
    # The next shot starts only once this dashboard's core has stopped (its instances too).
    for _ in $(seq 200); do pgrep -f -- "--dir $DEMO" >/dev/null || break; sleep 0.1; done
    say "wrote $OUT/$name.png (${cols}x${rows})"
}

# The demo's first core builds all four services, deploys them to test and stops at the release
# blocks; the first shot waits for that, so every later screen shows it.
shot fleet-120x40 120 40 "" "3" "3 Fleet" "_" "orders:1" "_" "payments:1" "_" "catalog:1" "_" "notifications:1" "_" "!→" "_" "!starting"
shot fleet-detail-120x40 120 40 "" "3" "orders:1" "_" "!→" "_" "!starting" "Enter" "orders in test" "_" "!starting"
shot build-detail-120x40 120 40 "" "2" "!1 Board" "Enter" "Release" 
shot overview-120x40 120 40 "" "_" "orders:1" "_" "!test 0/1"
shot overview-200x60 200 60 "" "_" "orders:1" "_" "!test 0/1"
shot overview-80x24 80 24 "" "_" "test 1/1" "_" "!test 0/1"
shot help-120x40 120 40 "" "?" "Help"
shot pipelines-dracula-120x40 120 40 "--theme dracula" "2" "!1 Board"
shot check-detail-120x40 120 40 "" "3" "orders:1" "_" "!starting" "Enter" "orders in test" "_" "!starting" "c" "GET http" "_" "!not yet"
ALERT="sh:'$BIN' alert trigger --workspace '$DEMO'"
shot alerts-120x40 120 40 "" \
    "$ALERT 'orders p99 above 2 s for 5 min' --severity critical --service orders --env prod --dedup-key orders-latency" "4 Alerts" \
    "$ALERT 'catalog search errors above 1 %' --severity warning --service catalog --env test --dedup-key catalog-errors" "4 Alerts" \
    "4" "catalog search" "Enter" "Timeline"
# The board: a card the demo's first deploy to test moved to In Test (its detail: commits, builds,
# where each runs, history), and the new-card form.
shot board-card-detail-120x40 120 40 "" "1" "Board" "/SHP-5" "/SHP-5" "Enter" "!SHP-1 " "Enter" "runs in test" "_" "History"
shot board-new-card-120x40 120 40 "" "1" "Board" "n" "New card" "Cache the price list für alle" "für alle" "Tab" "Description" \
    "Prices are read on every request" "every request" "Tab" "Services" "orders, catalog" "catalog"
