#!/usr/bin/env bash
# Compares the health checker (HTTPCheckClient, run by `shipdeck-bench health`) with Nagios 4 running
# check_http, against the same HTTP targets in one run: nginx on loopback serving {"status":"ok"} at
# /health on $PORTS ports. Prints CPU per check and CPU seconds per 10,000 checks for both, their ratio
# (goal >= 100x, i.e. <= 25 µs per check), Shipdeck's maximum sustained checks/s (goal >= 5,000) and the
# CPU of 1,000 instances checked every 10 s as % of one core (goal < 2 %).
#
# Nagios: /usr/sbin/nagios4 in the foreground with its own minimal configuration in a temporary folder
# (not the system one): $NAGIOS_SERVICES services spread over the ports, each `check_http -H 127.0.0.1
# -p PORT -u /health` every second (interval_length=1, check_interval 1), for $NAGIOS_SECONDS seconds.
# Its CPU is read with getrusage(RUSAGE_CHILDREN) by a wrapper that is the child subreaper of the whole
# tree, after every process of it (nagios, its worker processes, their check_http children) has exited
# and been reaped: start-up and shutdown are included. Checks executed = lines of its service perfdata
# file (one per processed check result).
# Shipdeck: getrusage(RUSAGE_SELF) of shipdeck-bench over each measured window (HealthBench.swift), every
# result applied to a CheckState: `fixed` at $RATE checks/s, `max` with $CONCURRENCY checks in flight,
# `fleet` $INSTANCES instances every $INTERVAL s (100 checks/s by default, Nagios' rate here), the latter
# once with ticks of $TICK s and once with Nagios' 1 s. The bench's driving loop wakes every tick and
# starts the checks due by then together; each scenario runs with that loop on Swift's default
# executor and on an event loop (EventLoopTaskExecutor). nginx's own CPU counts for neither side; the
# two checkers run one after the other, never at the same time.
#
# Environment: PORTS (20), BASE_PORT (18600), NAGIOS_SERVICES (100), NAGIOS_SECONDS (30), RATE (1000),
# SECONDS_EACH (10), CONCURRENCY (64), INSTANCES (1000), INTERVAL (10), FLEET_SECONDS (20), TICK (0.1),
# NGINX_WORKERS (1), SKIP_BUILD=1, SKIP_NAGIOS=1, KEEP=1 (keep the work folder), BENCH (the
# shipdeck-bench binary to run; implies SKIP_BUILD).
# Installs nagios4-core, monitoring-plugins-basic and nginx with apt-get when missing (with sudo when not
# root). Loopback only; everything it starts is stopped on exit, and each step is bounded in time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

PORTS="${PORTS:-20}"
BASE_PORT="${BASE_PORT:-18600}"
NAGIOS_SERVICES="${NAGIOS_SERVICES:-100}"
NAGIOS_SECONDS="${NAGIOS_SECONDS:-30}"
RATE="${RATE:-1000}"
SECONDS_EACH="${SECONDS_EACH:-10}"
CONCURRENCY="${CONCURRENCY:-64}"
INSTANCES="${INSTANCES:-1000}"
INTERVAL="${INTERVAL:-10}"
FLEET_SECONDS="${FLEET_SECONDS:-20}"
TICK="${TICK:-0.1}"
NGINX_WORKERS="${NGINX_WORKERS:-1}"
LAST_PORT=$((BASE_PORT + PORTS - 1))
nagios_bin=/usr/sbin/nagios4
check_http=/usr/lib/nagios/plugins/check_http

sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
install_packages() { # package…
    echo "installing $* …" >&2
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q "$@" >&2 \
        || { sudo_if_needed timeout 120 apt-get update -q >&2 \
             && sudo_if_needed env DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q "$@" >&2; }
}
missing=()
[ "${SKIP_NAGIOS:-0}" = 1 ] || [ -x "$nagios_bin" ] || missing+=(nagios4-core)
[ "${SKIP_NAGIOS:-0}" = 1 ] || [ -x "$check_http" ] || missing+=(monitoring-plugins-basic)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ "${#missing[@]}" -gt 0 ]; then install_packages "${missing[@]}"; fi
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

bench="${BENCH:-$root/Benchmarks/.build/release/shipdeck-bench}"
if [ "${SKIP_BUILD:-0}" != 1 ] && [ -z "${BENCH:-}" ]; then
    echo "building shipdeck-bench (release)…" >&2
    timeout 1800 swift build -c release --package-path "$root/Benchmarks" >&2
fi

work="$(mktemp -d /tmp/bench-health.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [ "${KEEP:-0}" = 1 ]; then echo "work folder kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for port in $(seq "$BASE_PORT" "$LAST_PORT"); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "port $port is already in use on 127.0.0.1: stop what holds it or set BASE_PORT" >&2
        exit 1
    fi
done

# nginx: the same small JSON at /health on every port, keep-alive limits raised so a pooled
# connection is not closed mid-run (check_http closes its own after each check anyway).
{
    echo "worker_processes $NGINX_WORKERS;"
    echo "pid $work/nginx.pid;"
    echo "error_log $work/nginx-error.log warn;"
    echo "events { worker_connections 4096; }"
    echo "http {"
    echo "    access_log off;"
    echo "    keepalive_requests 1000000;"
    echo "    keepalive_timeout 120s;"
    echo "    server {"
    for port in $(seq "$BASE_PORT" "$LAST_PORT"); do echo "        listen 127.0.0.1:$port;"; done
    echo "        location = /health { default_type application/json; return 200 '{\"status\":\"ok\"}'; }"
    echo "    }"
    echo "}"
} > "$work/nginx.conf"
"$nginx_bin" -p "$work" -c "$work/nginx.conf" -g 'daemon off;' 2>"$work/nginx.stderr" &
pids+=($!)
for port in $(seq "$BASE_PORT" "$LAST_PORT"); do
    for attempt in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
        [ "$attempt" = 100 ] && { echo "nginx did not start listening on 127.0.0.1:$port" >&2; cat "$work/nginx.stderr" >&2; exit 1; }
        sleep 0.1
    done
done

# ---- Nagios 4 -------------------------------------------------------------------------------------

nagios_cpu=0; nagios_checks=0; nagios_problems=0; nagios_wall=0
if [ "${SKIP_NAGIOS:-0}" != 1 ]; then
    for port in "$BASE_PORT" "$LAST_PORT"; do
        out="$(timeout 10 "$check_http" -H 127.0.0.1 -p "$port" -u /health 2>&1 || true)"
        grep -q "^HTTP OK" <<<"$out" || { echo "check_http against port $port: $out" >&2; exit 1; }
    done
    ndir="$work/nagios"
    mkdir -p "$ndir/checkresults"
    if [ "$(id -u)" = 0 ]; then nagios_user=nagios; nagios_group=nagios; else nagios_user="$(id -un)"; nagios_group="$(id -gn)"; fi
    {
        echo "define timeperiod {"
        echo "    timeperiod_name always"
        echo "    alias always"
        for day in sunday monday tuesday wednesday thursday friday saturday; do echo "    $day 00:00-24:00"; done
        echo "}"
        echo "define command {"
        echo "    command_name check_http_port"
        echo "    command_line $check_http -H 127.0.0.1 -p \$ARG1\$ -u /health"
        echo "}"
        echo "define command {"
        echo "    command_name notify_nobody"
        echo "    command_line /bin/true"
        echo "}"
        echo "define contact {"
        echo "    contact_name nobody"
        echo "    host_notifications_enabled 0"
        echo "    service_notifications_enabled 0"
        echo "    host_notification_period always"
        echo "    service_notification_period always"
        echo "    host_notification_options n"
        echo "    service_notification_options n"
        echo "    host_notification_commands notify_nobody"
        echo "    service_notification_commands notify_nobody"
        echo "}"
        echo "define host {"
        echo "    host_name localhost"
        echo "    address 127.0.0.1"
        echo "    max_check_attempts 1"
        echo "    check_period always"
        echo "    active_checks_enabled 0"
        echo "    contacts nobody"
        echo "    notification_interval 0"
        echo "    notification_period always"
        echo "}"
        for index in $(seq 0 $((NAGIOS_SERVICES - 1))); do
            port=$((BASE_PORT + index % PORTS))
            echo "define service {"
            echo "    host_name localhost"
            echo "    service_description health-$index"
            echo "    check_command check_http_port!$port"
            echo "    check_interval 1"
            echo "    retry_interval 1"
            echo "    max_check_attempts 3"
            echo "    check_period always"
            echo "    contacts nobody"
            echo "    notification_interval 0"
            echo "    notification_period always"
            echo "}"
        done
    } > "$ndir/objects.cfg"
    cat > "$ndir/nagios.cfg" <<CONF
log_file=$ndir/nagios.log
cfg_file=$ndir/objects.cfg
object_cache_file=$ndir/objects.cache
precached_object_file=$ndir/objects.precache
resource_file=$ndir/resource.cfg
status_file=$ndir/status.dat
status_update_interval=10
nagios_user=$nagios_user
nagios_group=$nagios_group
check_external_commands=0
command_file=$ndir/nagios.cmd
lock_file=$ndir/nagios.lock
temp_file=$ndir/nagios.tmp
temp_path=$ndir
check_result_path=$ndir/checkresults
query_socket=$ndir/nagios.qh
retain_state_information=0
use_syslog=0
log_notifications=0
log_service_retries=0
log_initial_states=0
log_passive_checks=0
interval_length=1
service_inter_check_delay_method=s
max_service_check_spread=1
execute_service_checks=1
execute_host_checks=0
enable_notifications=0
enable_event_handlers=0
process_performance_data=1
service_perfdata_file=$ndir/service-perfdata
service_perfdata_file_template=\$TIMET\$\t\$SERVICEDESC\$\t\$SERVICESTATE\$\t\$SERVICEEXECUTIONTIME\$
service_perfdata_file_mode=a
service_perfdata_file_processing_interval=0
CONF
    : > "$ndir/resource.cfg"
    [ "$(id -u)" = 0 ] && chown -R "$nagios_user:$nagios_group" "$ndir"
    if ! "$nagios_bin" -v "$ndir/nagios.cfg" > "$ndir/verify.txt" 2>&1; then
        echo "nagios rejected its configuration:" >&2; cat "$ndir/verify.txt" >&2; exit 1
    fi

    # Runs a command for N seconds as the child subreaper of its whole process tree, then TERM, reaps
    # every descendant, and prints the CPU seconds (user + system) of all of them and the wall time.
    cat > "$work/measure-tree.py" <<'PY'
import ctypes, os, resource, signal, subprocess, sys, time
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
    sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
seconds, argv = float(sys.argv[1]), sys.argv[2:]
started = time.monotonic()
child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
time.sleep(seconds)
if child.poll() is not None:
    sys.exit(f"{argv[0]} exited early with status {child.returncode}")
os.kill(child.pid, signal.SIGTERM)
deadline = time.monotonic() + 20
while True:  # reap every descendant, re-parented to us as the subreaper
    try:
        pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break
    if pid == 0:
        if time.monotonic() > deadline:
            os.killpg(child.pid, signal.SIGKILL)
        time.sleep(0.05)
wall = time.monotonic() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{usage.ru_utime + usage.ru_stime:.6f} {wall:.3f}")
PY
    echo "Nagios 4: $NAGIOS_SERVICES services every 1 s over $PORTS ports for ${NAGIOS_SECONDS}s…" >&2
    read -r nagios_cpu nagios_wall < <(timeout $((NAGIOS_SECONDS + 60)) python3 "$work/measure-tree.py" "$NAGIOS_SECONDS" "$nagios_bin" "$ndir/nagios.cfg")
    if [ ! -s "$ndir/service-perfdata" ]; then
        echo "nagios wrote no check results; its log:" >&2; tail -20 "$ndir/nagios.log" >&2; exit 1
    fi
    nagios_checks="$(wc -l < "$ndir/service-perfdata")"
    nagios_problems="$(awk -F'\t' '$3 != "OK"' "$ndir/service-perfdata" | wc -l)"
fi

# ---- Shipdeck -------------------------------------------------------------------------------------

echo "shipdeck-bench health: fixed ${RATE}/s, max with $CONCURRENCY in flight (${SECONDS_EACH}s each), $INSTANCES instances every ${INTERVAL}s (${FLEET_SECONDS}s after ${INTERVAL}s warm-up), tick ${TICK}s, driver on the default executor then on an event loop…" >&2
timeout $(((SECONDS_EACH * 2 + (INTERVAL + FLEET_SECONDS) * 2) * 2 + 120)) "$bench" health --target "127.0.0.1:$BASE_PORT-$LAST_PORT" --path /health \
    --rate "$RATE" --seconds "$SECONDS_EACH" --concurrency "$CONCURRENCY" --instances "$INSTANCES" --interval "$INTERVAL" \
    --fleet-seconds "$FLEET_SECONDS" --tick "$TICK" --executor both > "$work/shipdeck.txt" 2> "$work/shipdeck.stderr" \
    || { echo "shipdeck-bench health failed:" >&2; cat "$work/shipdeck.stderr" >&2; exit 1; }
# field SCENARIO EXECUTOR TICK KEY: a value from the line `health SCENARIO executor=E tick=T key=value…`.
field() {
    awk -v s="$1" -v e="executor=$2" -v t="tick=$3" -v k="$4" '$2 == s && $3 == e && $4 == t {
        for (i = 5; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$work/shipdeck.txt"
}
# The fleet scenario runs with the bench's tick and with Nagios' 1 s.
fleet_ticks="$(awk '$2 == "fleet" && $3 == "executor=loop" { sub("tick=", "", $4); print $4 }' "$work/shipdeck.txt" | tr '\n' ' ')"

echo
echo "## Health checks: Shipdeck (HTTPCheckClient) vs Nagios 4 + check_http (nginx /health, loopback)"
echo
echo "Machine: $(nproc) cores, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end. Targets: nginx $("$nginx_bin" -v 2>&1 | awk -F/ '{ print $2 }') ($NGINX_WORKERS worker), {\"status\":\"ok\"} at /health on ports $BASE_PORT-$LAST_PORT."
echo
echo "CPU = user + system seconds of the checker: for Nagios the nagios process, its workers and every check_http (whole run, start-up included); for Shipdeck the whole shipdeck-bench process over each window, every result applied to a CheckState. nginx is not counted. Shipdeck's driving loop wakes every *tick* seconds and starts the checks due by then together (Nagios' scheduler works in whole seconds); it runs either on Swift's default executor (as an actor's code would) or on an event loop (EventLoopTaskExecutor, where the checks' connections then live too)."
echo
echo "| checker | scenario | driver | tick s | checks | failed | checks/s | CPU s | CPU µs/check | CPU s per 10,000 checks | % of a core | p50 / p99 ms |"
echo "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
if [ "${SKIP_NAGIOS:-0}" != 1 ]; then
    awk -v c="$nagios_checks" -v f="$nagios_problems" -v w="$nagios_wall" -v cpu="$nagios_cpu" -v n="$NAGIOS_SERVICES" 'BEGIN {
        printf "| Nagios 4 | %d services every 1 s, %.0f s | nagios + workers | 1 | %d | %d | %.1f | %.3f | %.1f | %.2f | %.1f | — |\n",
            n, w, c, f, c / w, cpu, cpu / c * 1e6, cpu / c * 1e4, cpu / w * 100
    }'
fi
row() { # scenario executor tick label
    awk -v l="$4" -v d="$([ "$2" = loop ] && echo "event loop" || echo "default executor")" -v t="$3" \
        -v c="$(field "$1" "$2" "$3" checks)" -v f="$(field "$1" "$2" "$3" failures)" -v w="$(field "$1" "$2" "$3" wall)" \
        -v cpu="$(field "$1" "$2" "$3" cpu)" -v p50="$(field "$1" "$2" "$3" p50_ms)" -v p99="$(field "$1" "$2" "$3" p99_ms)" 'BEGIN {
        printf "| Shipdeck | %s | %s | %s | %d | %d | %.1f | %.3f | %.2f | %.4f | %.2f | %.3f / %.3f |\n",
            l, d, t, c, f, c / w, cpu, (c ? cpu / c * 1e6 : 0), (c ? cpu / c * 1e4 : 0), cpu / w * 100, p50, p99
    }'
}
for executor in global loop; do
    row fixed "$executor" "$TICK" "fixed rate $RATE/s, ${SECONDS_EACH} s"
    row max "$executor" - "max, $CONCURRENCY in flight, ${SECONDS_EACH} s"
    for tick in $fleet_ticks; do
        row fleet "$executor" "$tick" "$INSTANCES instances every $INTERVAL s, ${FLEET_SECONDS} s"
    done
done
echo
# Goals per driver placement: CPU per check (goal <= 25 µs) and its ratio to Nagios' (goal >= 100x) at
# the fixed rate and at the fleet's rate, the maximum rate (goal >= 5,000/s), the fleet's share of a
# core (goal < 2 %).
nagios_per_check="$(awk -v c="$nagios_checks" -v cpu="$nagios_cpu" 'BEGIN { if (c > 0) printf "%.9f", cpu / c; else print 0 }')"
verdict() { awk -v ok="$1" 'BEGIN { printf "%s", (ok ? "met" : "NOT met") }'; }
for executor in loop global; do
    where="an event loop"; [ "$executor" = global ] && where="the default executor"
    echo "Shipdeck, driver on $where:"
    entries=("fixed $TICK $RATE/s")
    for tick in $fleet_ticks; do entries+=("fleet $tick $(field fleet "$executor" "$tick" checks_per_s | awk '{ printf "%.0f", $1 }')/s"); done
    for entry in "${entries[@]}"; do
        read -r scenario tick rate <<<"$entry"
        per="$(awk -v c="$(field "$scenario" "$executor" "$tick" checks)" -v cpu="$(field "$scenario" "$executor" "$tick" cpu)" 'BEGIN { printf "%.9f", cpu / c }')"
        awk -v s="$scenario" -v t="$tick" -v r="$rate" -v per="$per" -v n="$nagios_per_check" -v skip="${SKIP_NAGIOS:-0}" 'BEGIN {
            printf "  %-5s %-9s tick %-4s %6.1f µs/check (goal <= 25: %s)", s, r, t, per * 1e6, (per <= 25e-6 ? "met" : "NOT met")
            if (skip != 1 && n > 0) printf "; CPU s per 10,000 checks %.3f vs Nagios 4 %.2f: %.0fx less (goal >= 100x: %s)", per * 1e4, n * 1e4, n / per, (n / per >= 100 ? "met" : "NOT met")
            printf "\n"
        }'
    done
    max="$(field max "$executor" - checks_per_s)"
    echo "  max sustained: $(printf '%.0f' "$max") checks/s (goal >= 5,000: $(verdict "$(awk -v m="$max" 'BEGIN { print (m >= 5000) }')"))"
    for tick in $fleet_ticks; do
        pct="$(field fleet "$executor" "$tick" core_percent)"
        echo "  $INSTANCES instances every $INTERVAL s, tick $tick s: $(printf '%.2f' "$pct") % of one core (goal < 2 %: $(verdict "$(awk -v p="$pct" 'BEGIN { print (p < 2) }')"))"
    done
done
if [ -s "$work/shipdeck.stderr" ]; then echo; sed 's/^/shipdeck-bench: /' "$work/shipdeck.stderr"; fi
