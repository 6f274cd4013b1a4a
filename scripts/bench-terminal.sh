#!/usr/bin/env bash
# Builds the release `shipdeck` binary, then measures what it writes to a 200×60 pseudo-terminal
# next to htop (scripts/bench-terminal.py). Extra arguments go to the Python script, e.g.
#   scripts/bench-terminal.sh --idle 30 --json /tmp/terminal.json
# The release build uses its own scratch folder (.build-bench, gitignored by `.build-*/`) so it
# never waits on, or invalidates, the debug builds in .build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="${SHIPDECK_BENCH_SCRATCH:-$root/.build-bench}"
if ! command -v htop >/dev/null 2>&1; then
    echo "bench-terminal: installing htop (the baseline)" >&2
    apt-get install -y htop >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y htop >/dev/null; }
fi
swift build -c release --package-path "$root" --scratch-path "$scratch" --product shipdeck >&2
exec python3 "$root/scripts/bench-terminal.py" --binary "$scratch/release/shipdeck" "$@"
