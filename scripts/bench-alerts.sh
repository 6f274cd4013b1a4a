#!/usr/bin/env bash
# Sustained alert ingestion through the Events API (POST /v2/enqueue, PagerDuty's Events API v2) of a
# real core, and the delay from a HARD health change to its incident.
#
# Starts `shipdeck serve` on a fresh demo workspace (its own ports; the demo's first builds deploy the
# four services to test) whose alerts: section is replaced by one integration, `bench` (service
# orders; escalation: every rota at once; no notification channels, so no page runs a command).
# Then:
#  1. ingestion: scripts/bench-alerts.py sends $RATE events/s for $DURATION s, then (unpaced) as fast
#     as $CONNECTIONS connections go for $MAX_DURATION s, each phase over $KEYS dedup keys of its own,
#     each key cycling through $CYCLE events: triggers, an acknowledge, more triggers, a resolve (the
#     next trigger opens a new incident). Every request is awaited. Afterwards the store's incident table and `shipdeck alert list --json` must hold exactly
#     what was sent: per key, each incident's trigger count and state, in order (zero loss, correct
#     dedup). CPU = the core process's user + system time over the run (/proc).
#  2. delay: a HARD health change to the incidentUpdated event on the core's /v1/events stream,
#     $ROUNDS rounds over the test instances (a passive CRITICAL result is HARD at once; OK resolves),
#     plus one active sample: the demo app's POST /admin/health critical (to the orders instance's own
#     port), checked until HARD.
# Goals: >= 2,000 events/s for 30 s with zero loss and correct dedup.
#
# Environment: RATE (2100), DURATION (30), MAX_DURATION (10; 0 skips the unpaced phase), KEYS (500),
# CYCLE (40), CONNECTIONS (32), ROUNDS (2), BASE_PORT (demo endpoints; default a free-looking block),
# SCRATCH_PATH (the build folder, default .build), SHIPDECK_BIN (a built shipdeck; skips the build),
# SKIP_BUILD=1, KEEP=1 (keep the work folder).
# Loopback only; everything it starts is stopped on exit, and each step is bounded in time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

RATE="${RATE:-2100}"
DURATION="${DURATION:-30}"
KEYS="${KEYS:-500}"
CYCLE="${CYCLE:-40}"
CONNECTIONS="${CONNECTIONS:-32}"
ROUNDS="${ROUNDS:-2}"
MAX_DURATION="${MAX_DURATION:-10}"
BASE_PORT="${BASE_PORT:-$((21000 + RANDOM % 800 * 10))}"
SCRATCH_PATH="${SCRATCH_PATH:-$root/.build}"
command -v python3 >/dev/null 2>&1 || { echo "python3 is needed" >&2; exit 1; }

bin="${SHIPDECK_BIN:-$SCRATCH_PATH/release/shipdeck}"
if [ -z "${SHIPDECK_BIN:-}" ] && [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "building shipdeck (release) in $SCRATCH_PATH…" >&2
    (cd "$root" && timeout 3600 swift build -c release --product shipdeck --scratch-path "$SCRATCH_PATH" >&2)
fi
[ -x "$bin" ] || { echo "no shipdeck binary at $bin" >&2; exit 1; }

work="$(mktemp -d /tmp/bench-alerts.XXXXXX)"
demo="$work/demo"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "${KEEP:-0}" = 1 ]; then echo "work folder kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for port in $(seq "$BASE_PORT" $((BASE_PORT + 3))) $(seq $((BASE_PORT + 1000)) $((BASE_PORT + 1003))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "port $port is already in use on 127.0.0.1: set BASE_PORT" >&2
        exit 1
    fi
done

export HOME="$work/home" XDG_DATA_HOME="$work/data" SHIPDECK_USER=fay
mkdir -p "$HOME" "$XDG_DATA_HOME"
timeout 120 "$bin" demo --dir "$demo" --create-only > /dev/null
routing_key="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
python3 - "$demo/shipdeck.yml" "$BASE_PORT" "$routing_key" <<'PY'
import re, sys
path, base, key = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines, skipping = [], False
for line in open(path).read().split("\n"):
    if line[:1] not in ("", " ", "#"):
        skipping = line.startswith("alerts:")
    if not skipping:
        lines.append(line)
text = "\n".join(lines)
for index in range(4):
    text = text.replace(f"port: {8100 + index}", f"port: {base + index}")
text += f"\nalerts:\n  integrations:\n    bench: {{routing_key: {key}, service: orders}}\n"
open(path, "w").write(text)
PY

LOG_LEVEL=warning "$bin" serve --workspace "$demo" --port 0 > "$work/serve.log" 2>&1 &
core_pid=$!
pids+=("$core_pid")
url=""
for _ in $(seq 300); do
    url="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("api") or "")' "$demo/.shipdeck/core.json" 2>/dev/null || true)"
    [ -n "$url" ] && break
    kill -0 "$core_pid" 2>/dev/null || { echo "shipdeck serve exited:" >&2; cat "$work/serve.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$url" ] || { echo "shipdeck serve did not open its API" >&2; exit 1; }
token="$(cat "$demo/.shipdeck/token")"
snapshot() { curl -fsS -H "Authorization: Bearer $token" "$url/v1/snapshot"; }

echo "core pid $core_pid at $url; waiting for the demo's first builds to deploy to test…" >&2
instances=""
for _ in $(seq 600); do
    instances="$(snapshot | python3 -c '
import json, sys
state = json.load(sys.stdin)
rows = [row for row in state["fleet"] if row["environment"] == "test"]
building = any(build["state"] in ("waiting", "scheduled", "running") for p in state["pipelines"] for build in p["builds"])
ready = [i for row in rows for i in row["instances"] if i["active"] and i["state"] == "healthy" and i["health"] == "ok"]
orders = [i["port"] for i in ready if i["id"].startswith("orders-test-")]
print(",".join(sorted(i["id"] for i in ready)) + " " + str(orders[0]) if len(ready) == 4 and orders and not building else "")' 2>/dev/null || true)"
    [ -n "$instances" ] && break
    kill -0 "$core_pid" 2>/dev/null || { echo "shipdeck serve exited:" >&2; cat "$work/serve.log" >&2; exit 1; }
    sleep 1
done
[ -n "$instances" ] || { echo "the demo services did not come up in test within 10 minutes" >&2; snapshot | head -c 2000 >&2; exit 1; }
orders_port="${instances#* }"
instances="${instances% *}"
echo "serving in test: $instances" >&2

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$core_pid/stat"; }
ticks="$(getconf CLK_TCK)"

# One ingestion phase: NAME RATE SECONDS; its keys are NAME/00000…, so phases never share an incident.
phase() {
    echo "ingestion ($1): $([ "$2" = 0 ] && echo "as fast as $CONNECTIONS connections go" || echo "$2 events/s") for ${3}s over $KEYS keys…" >&2
    local before after
    before="$(cpu_ticks)"
    timeout $(($3 + 120)) python3 "$root/scripts/bench-alerts.py" load --url "$url" --routing-key "$routing_key" --keys "$KEYS" \
        --cycle "$CYCLE" --seconds "$3" --rate "$2" --connections "$CONNECTIONS" --prefix "$1" --out "$work/$1.json" > "$work/$1.txt"
    after="$(cpu_ticks)"
    echo "cpu=$(echo "($after - $before) / $ticks" | bc -l)" >> "$work/$1.txt"
}
phase paced "$RATE" "$DURATION"
[ "$MAX_DURATION" = 0 ] || phase max 0 "$MAX_DURATION"
listed_at="$(date +%s.%N)"
timeout 120 "$bin" alert list --json --workspace "$demo" > "$work/list.json"
list_seconds="$(echo "$(date +%s.%N) - $listed_at" | bc)"
verdict=0
for name in paced max; do
    [ -f "$work/$name.json" ] || continue
    timeout 120 python3 "$root/scripts/bench-alerts.py" verify --expected "$work/$name.json" --db "$demo/.shipdeck/state.sqlite" \
        --list-json "$work/list.json" --prefix "$name" > "$work/$name.verify" || verdict=$?
done

echo "delay: HARD health change to incident, $ROUNDS rounds over $instances, then one active check…" >&2
timeout 300 python3 "$root/scripts/bench-alerts.py" latency --url "$url" --token "$token" --instances "$instances" --rounds "$ROUNDS" \
    --admin-port "$orders_port" > "$work/latency.txt"

get() { awk -v k="$2" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) { print kv[2]; exit } } }' "$1"; }
lat() { awk -v s="$2" -v k="$3" '$2 == s { for (i = 3; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$1"; }

echo
echo "## Alert ingestion through POST /v2/enqueue, and HARD change → incident"
echo
echo "Machine: $(nproc) cores, $(uname -r). Core: \`shipdeck serve\` (release) on a demo workspace (4 services running in test), SQLite store (WAL). Load: $CONNECTIONS keep-alive connections from Python asyncio on the same machine, every request awaited; each event is a PagerDuty v2 body with custom_details."
echo
echo "| phase | sent | accepted (202) | errors | wall s | events/s | core CPU s | CPU µs/event | % of a core | p50 / p99 / max ms | incidents stored / expected | triggers stored / sent | open listed / expected | mismatches |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"
for name in paced max; do
    [ -f "$work/$name.txt" ] || continue
    load="$work/$name.txt" check="$work/$name.verify"
    awk -v label="$([ "$name" = paced ] && [ "$RATE" != 0 ] && echo "$RATE events/s" || echo "max ($CONNECTIONS connections)")" -v cpu="$(get "$load" cpu)" \
        -v req="$(get "$load" requests)" -v ok="$(get "$load" accepted)" -v wall="$(get "$load" wall)" -v eps="$(get "$load" events_per_s)" \
        -v p50="$(get "$load" p50_ms)" -v p99="$(get "$load" p99_ms)" -v max="$(get "$load" max_ms)" -v errors="$(get "$load" errors)" \
        -v inc="$(get "$check" incidents_expected)" -v stored="$(get "$check" incidents_stored)" -v trig="$(get "$check" triggers_sent)" \
        -v tstored="$(get "$check" triggers_stored)" -v openx="$(get "$check" open_expected)" -v openl="$(get "$check" open_listed)" \
        -v mism="$(get "$check" mismatches)" 'BEGIN {
        printf "| %s | %d | %d | %d | %.1f | %.0f | %.2f | %.0f | %.0f | %.2f / %.2f / %.1f | %d / %d | %d / %d | %d / %d | %d |\n",
            label, req, ok, errors, wall, eps, cpu, cpu / ok * 1e6, cpu / wall * 100, p50, p99, max, stored, inc, tstored, trig, openl, openx, mism
    }'
done
echo
echo "Each key: $CYCLE events per cycle (triggers, an acknowledge at 60 %, a resolve at the end), $KEYS keys per phase; \`shipdeck alert list --json\` answered in $(printf "%.2f" "$list_seconds") s."
awk -v eps="$(get "$work/paced.txt" events_per_s)" -v wall="$(get "$work/paced.txt" wall)" -v rate="$RATE" \
    -v ok="$(get "$work/paced.txt" accepted)" -v req="$(get "$work/paced.txt" requests)" -v errors="$(get "$work/paced.txt" errors)" \
    -v mism="$(get "$work/paced.verify" mismatches)" -v maxeps="$(get "$work/max.txt" events_per_s 2>/dev/null)" 'BEGIN {
    printf "Sustained ingestion: %.0f events/s for %.0f s at a target of %s/s (goal >= 2,000 for 30 s: %s); zero loss and correct dedup: %s",
        eps, wall, rate, (eps >= 2000 && wall >= 30 ? "met" : "NOT met"), (mism == 0 && errors == 0 && ok == req ? "met" : "NOT met")
    if (maxeps != "") printf "; unpaced: %.0f events/s (%.2fx the goal)", maxeps, maxeps / 2000
    printf "\n"
}'
echo
echo "| HARD change → incidentUpdated | samples | p50 ms | max ms |"
echo "| --- | ---: | ---: | ---: |"
for name in open resolve post_to_incident; do
    case "$name" in
        open) label="CRITICAL (passive) → incident triggered" ;;
        resolve) label="OK → incident resolved" ;;
        post_to_incident) label="POST of the CRITICAL result → incident on the stream" ;;
    esac
    echo "| $label | $(lat "$work/latency.txt" "$name" samples) | $(lat "$work/latency.txt" "$name" p50_ms) | $(lat "$work/latency.txt" "$name" max_ms) |"
done
if grep -q "^latency active" "$work/latency.txt"; then
    echo
    echo "Active check: /health broken → HARD CRITICAL in $(lat "$work/latency.txt" active broken_to_hard_s) s (the check's interval and retries), HARD → incident on the stream in $(lat "$work/latency.txt" active hard_to_incident_ms) ms."
fi
if [ "$verdict" != 0 ]; then echo; echo "verification failed:"; cat "$work"/*.verify; fi
grep -v "^\s*$" "$work/serve.log" | grep -iv "notice\|info" | tail -5 | sed 's/^/core: /' || true
exit "$verdict"
