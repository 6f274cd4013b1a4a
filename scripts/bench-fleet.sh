#!/usr/bin/env bash
# Measures zero-downtime deploys on the real binary: a fresh demo workspace served by
# `shipdeck serve`, two images of orders, then DEPLOYS alternating deploys to test while wrk
# (Debian's package) keeps requests flowing through the service endpoint.
# Prints the time from "new group healthy" to "traffic switched" (recorded by the engine for each
# deploy), the deploy durations, and wrk's totals (a failed request shows as a non-2xx or socket error).
#
# Usage: scripts/bench-fleet.sh [DEPLOYS]      (default 10)
# Environment: SHIPDECK_BIN (default .build/release/shipdeck, built when missing)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEPLOYS=${1:-10}
BIN=${SHIPDECK_BIN:-$ROOT/.build/release/shipdeck}
say() { printf '%s\n' "$*" >&2; }

command -v wrk >/dev/null || { say "installing wrk"; apt-get install -y wrk >/dev/null; }
if [ ! -x "$BIN" ]; then
    say "building shipdeck (release)"
    swift build -c release --package-path "$ROOT" --product shipdeck >/dev/null
fi

TMP=$(mktemp -d /tmp/shipdeck-bench-fleet.XXXXXX)
SERVE_PID=""
cleanup() {
    [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null && wait "$SERVE_PID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

DEMO=$TMP/demo
PORT=$((21000 + RANDOM % 4000))
SHIPDECK_DEMO_BUILDS=0 "$BIN" demo --dir "$DEMO" --create-only >/dev/null
sed -i "s/port: 8100/port: $PORT/; s/poll_interval: 5/poll_interval: 0/" "$DEMO/shipdeck.yml"
cd "$DEMO"
export SHIPDECK_USER=fay
"$BIN" serve --workspace "$DEMO" 2>"$TMP/serve.log" &
SERVE_PID=$!
for _ in $(seq 100); do "$BIN" status --workspace "$DEMO" >/dev/null 2>&1 && grep -q listening "$TMP/serve.log" && break; sleep 0.1; done

wait_blocked() {  # NUMBER: waits until orders#NUMBER is blocked (deployed to test)
    for _ in $(seq 600); do
        "$BIN" status --json --workspace "$DEMO" | python3 -c "
import json, sys
d = json.load(sys.stdin)
b = [b for p in d['pipelines'] for b in p['builds'] if b['service'] == 'orders' and b['number'] == $1]
sys.exit(0 if b and b[0]['state'] in ('blocked', 'failed', 'passed') else 1)" && return 0
        sleep 0.1
    done
    say "orders#$1 did not reach its block"; return 1
}
"$BIN" build orders --workspace "$DEMO" --message "bench image 1" >/dev/null; wait_blocked 1
"$BIN" build orders --workspace "$DEMO" --message "bench image 2" >/dev/null; wait_blocked 2

say "running $DEPLOYS deploys under load on 127.0.0.1:$PORT"
wrk -t2 -c16 -d3600s "http://127.0.0.1:$PORT/" > "$TMP/wrk.txt" 2>&1 &
WRK_PID=$!
sleep 1
for i in $(seq "$DEPLOYS"); do
    "$BIN" deploy orders $(( (i % 2) + 1 )) --env test --workspace "$DEMO" >/dev/null
done
sleep 1
kill -INT $WRK_PID; wait $WRK_PID 2>/dev/null || true

"$BIN" deploys orders --env test --limit "$DEPLOYS" --json --workspace "$DEMO" > "$TMP/deploys.json"
python3 - "$TMP/deploys.json" "$TMP/wrk.txt" <<'PY'
import json, statistics, sys, re
deploys = json.load(open(sys.argv[1]))
switch = sorted(d["switchMilliseconds"] for d in deploys if d.get("switchMilliseconds") is not None)
outcomes = [d["outcome"] for d in deploys]
wrk = open(sys.argv[2]).read()
requests = re.search(r"(\d+) requests in", wrk)
errors = re.search(r"Socket errors: (.*)", wrk)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", wrk)
print(f"deploys: {len(deploys)} ({outcomes.count('succeeded')} succeeded)")
if switch:
    print(f"healthy → switched: median {statistics.median(switch):.3f} ms, max {max(switch):.3f} ms (goal < 50 ms: {max(switch) / 50:.4f}× the goal)")
print(f"requests through the endpoint during the deploys: {requests.group(1) if requests else '?'}; "
      f"non-2xx: {non2xx.group(1) if non2xx else 0}; socket errors: {errors.group(1) if errors else 'none'}")
PY
