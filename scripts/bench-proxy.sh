#!/usr/bin/env bash
# Compares the fleet's reverse proxy (ServiceProxy, run by `shipdeck-bench proxy`) with HAProxy, both in
# front of the same nginx serving a small static file on loopback, and nginx direct as the ceiling.
# Same wrk command for all three, in one run; prints req/s, p99, each proxy's CPU time per request (from
# /proc/PID/stat over the round) and the shipdeck/haproxy ratios
# (goals: >= 0.8x HAProxy's req/s, p99 <= 1.5x HAProxy's).
#
# Fairness: HAProxy gets `nbthread $THREADS` and ShipdeckProxy `--threads $THREADS` event loops (default:
# nproc for both); nginx runs $NGINX_WORKERS worker(s) (default 1) with keep-alive limits raised so it
# never closes the proxies' upstream connections mid-run; HAProxy adds X-Forwarded-For like Shipdeck.
# wrk, nginx and both proxies share this machine's cores: read the ratios, not the absolute numbers.
#
# Environment: THREADS, NGINX_WORKERS, DURATION (10s), CONNECTIONS (50), WRK_THREADS (2), WARMUP (2s),
# ROUNDS (1; rounds alternate the order of the proxies), SKIP_BUILD=1, KEEP=1 (keep the work folder),
# ports NGINX_PORT (18480), SHIPDECK_PORT (18481), HAPROXY_PORT (18482).
# Installs wrk, haproxy and nginx-light with apt-get when missing. Loopback only; everything it starts
# is stopped on exit, and each step is bounded in time.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

THREADS="${THREADS:-$(nproc)}"
NGINX_WORKERS="${NGINX_WORKERS:-1}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-50}"
WRK_THREADS="${WRK_THREADS:-2}"
WARMUP="${WARMUP:-2s}"
ROUNDS="${ROUNDS:-1}"
NGINX_PORT="${NGINX_PORT:-18480}"
SHIPDECK_PORT="${SHIPDECK_PORT:-18481}"
HAPROXY_PORT="${HAPROXY_PORT:-18482}"

need() { # command package…
    local command="$1"; shift
    command -v "$command" >/dev/null 2>&1 && return 0
    echo "installing $* (for $command)…" >&2
    DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q "$@" >&2 \
        || { timeout 120 apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -q "$@" >&2; }
}
need wrk wrk
need haproxy haproxy
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need nginx nginx-light
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
haproxy_bin="$(command -v haproxy || echo /usr/sbin/haproxy)"

bench="$root/Benchmarks/.build/release/shipdeck-bench"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "building shipdeck-bench (release)…" >&2
    timeout 1800 swift build -c release --package-path "$root/Benchmarks" >&2
fi

work="$(mktemp -d /tmp/bench-proxy.XXXXXX)"
chmod 755 "$work"   # nginx workers run as www-data and must read the static file
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

for port in "$NGINX_PORT" "$SHIPDECK_PORT" "$HAPROXY_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "port $port is already in use on 127.0.0.1: stop what holds it or set NGINX_PORT/SHIPDECK_PORT/HAPROXY_PORT" >&2
        exit 1
    fi
done

# A small static file, about the size of nginx's welcome page.
mkdir -p "$work/www"
{ echo "<!doctype html><title>shipdeck bench</title><p>"; for _ in $(seq 12); do echo "The quick brown fox jumps over the lazy dog, again and again and again."; done; } > "$work/www/index.html"
chmod -R a+rX "$work/www"

cat > "$work/nginx.conf" <<CONF
worker_processes $NGINX_WORKERS;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $work/www;
        location / { }
    }
}
CONF

cat > "$work/haproxy.cfg" <<CONF
global
    nbthread $THREADS
    maxconn 4000
defaults
    mode http
    option http-keep-alive
    option forwardfor
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend shipdeck_bench
    bind 127.0.0.1:$HAPROXY_PORT
    default_backend nginx
backend nginx
    server nginx1 127.0.0.1:$NGINX_PORT
CONF

wait_for_port() { # port name
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "$2 did not start listening on 127.0.0.1:$1" >&2
    exit 1
}

"$nginx_bin" -p "$work" -c "$work/nginx.conf" -g 'daemon off;' 2>"$work/nginx.stderr" &
pids+=($!)
wait_for_port "$NGINX_PORT" nginx
"$haproxy_bin" -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)
wait_for_port "$HAPROXY_PORT" haproxy
"$bench" proxy --listen "$SHIPDECK_PORT" --backend "127.0.0.1:$NGINX_PORT" --threads "$THREADS" --max-seconds 900 \
    2>"$work/shipdeck.log" &
pids+=($!)
wait_for_port "$SHIPDECK_PORT" "shipdeck-bench proxy"

url_for() {
    case "$1" in
        direct) echo "http://127.0.0.1:$NGINX_PORT/index.html" ;;
        haproxy) echo "http://127.0.0.1:$HAPROXY_PORT/index.html" ;;
        shipdeck) echo "http://127.0.0.1:$SHIPDECK_PORT/index.html" ;;
    esac
}

# Every target must answer 200 with the file before anything is measured.
for target in direct haproxy shipdeck; do
    body="$(timeout 10 wrk -t1 -c1 -d1s "$(url_for "$target")" 2>&1 || true)"
    if ! grep -q "Requests/sec" <<<"$body" || grep -q "Non-2xx" <<<"$body"; then
        echo "$target does not answer 200 on $(url_for "$target"):" >&2; echo "$body" >&2; exit 1
    fi
done

wrk_command="wrk -t$WRK_THREADS -c$CONNECTIONS -d$DURATION --latency"
echo "warming up (${WARMUP} each)…" >&2
for target in direct haproxy shipdeck; do
    timeout 60 wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$(url_for "$target")" >/dev/null
done

# CPU time (user + system, clock ticks) the proxy under test has used so far; 0 for nginx direct.
pid_of() { case "$1" in haproxy) echo "${pids[1]}" ;; shipdeck) echo "${pids[2]}" ;; *) echo "" ;; esac; }
cpu_ticks() {
    local pid; pid="$(pid_of "$1")"
    if [ -n "$pid" ]; then awk '{ print $14 + $15 }' "/proc/$pid/stat"; else echo 0; fi
}
# Microseconds of the proxy's CPU per request in one round's file pair.
cpu_per_request() { # target round
    awk -v ticks="$(cat "$work/$1.$2.cpu")" -v hz="$(getconf CLK_TCK)" '/ requests in / { if ($1 > 0) printf "%.2f\n", ticks * 1000000 / hz / $1 }' "$work/$1.$2.txt"
}

# wrk prints latencies as 812.00us, 2.10ms or 1.02s; this prints milliseconds.
to_ms() { awk '{ v = $1 + 0; if ($1 ~ /us$/) v /= 1000; else if ($1 ~ /ms$/) v += 0; else if ($1 ~ /s$/) v *= 1000; printf "%.3f", v }'; }

for round in $(seq "$ROUNDS"); do
    order="direct haproxy shipdeck"
    if [ $((round % 2)) = 0 ]; then order="direct shipdeck haproxy"; fi
    for target in $order; do
        echo "round $round: $wrk_command $(url_for "$target")" >&2
        before="$(cpu_ticks "$target")"
        timeout 120 wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$(url_for "$target")" > "$work/$target.$round.txt"
        echo "$(( $(cpu_ticks "$target") - before ))" > "$work/$target.$round.cpu"
    done
done

rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
p99() { awk '$1 == "99%" { print $2 }' "$1" | to_ms; }
errors() { awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }' "$1"; }
# Mean over rounds.
mean() { awk '{ s += $1; n++ } END { if (n) printf "%.2f", s / n; else print "0" }'; }

declare -A RPS P99
echo
echo "## ServiceProxy vs HAProxy (nginx static file, loopback)"
echo
echo "Machine: $(nproc) cores, $(uname -r). Command: \`$wrk_command URL\`, $ROUNDS round(s). HAProxy $("$haproxy_bin" -v | awk 'NR==1 { print $3 }') nbthread $THREADS; shipdeck $THREADS event loop(s); nginx $("$nginx_bin" -v 2>&1 | awk -F/ '{ print $2 }') with $NGINX_WORKERS worker(s)."
echo
echo "| target | req/s | p99 ms | proxy CPU µs/request | errors |"
echo "| --- | ---: | ---: | ---: | --- |"
declare -A CPU
for target in direct haproxy shipdeck; do
    RPS[$target]="$(for r in $(seq "$ROUNDS"); do rps "$work/$target.$r.txt"; done | mean)"
    P99[$target]="$(for r in $(seq "$ROUNDS"); do p99 "$work/$target.$r.txt"; echo; done | mean)"
    CPU[$target]="$(for r in $(seq "$ROUNDS"); do cpu_per_request "$target" "$r"; done | mean)"
    errs="$(for r in $(seq "$ROUNDS"); do errors "$work/$target.$r.txt"; done)"
    cpu="${CPU[$target]}"; [ "$target" = direct ] && cpu="—"
    echo "| $target | ${RPS[$target]} | ${P99[$target]} | $cpu | ${errs:-none} |"
done
echo
awk -v s="${RPS[shipdeck]}" -v h="${RPS[haproxy]}" -v sp="${P99[shipdeck]}" -v hp="${P99[haproxy]}" \
    -v sc="${CPU[shipdeck]}" -v hc="${CPU[haproxy]}" 'BEGIN {
    r = (h > 0) ? s / h : 0; l = (hp > 0) ? sp / hp : 0; c = (hc > 0) ? sc / hc : 0
    printf "shipdeck/haproxy req/s: %.2fx (goal >= 0.80x: %s)\n", r, (r >= 0.8 ? "met" : "NOT met")
    printf "shipdeck/haproxy p99:   %.2fx (goal <= 1.50x: %s)\n", l, (l <= 1.5 ? "met" : "NOT met")
    printf "shipdeck/haproxy CPU per request: %.2fx\n", c
}'
echo
kill -TERM "${pids[2]}" 2>/dev/null && wait "${pids[2]}" 2>/dev/null || true
grep -h "requests," "$work/shipdeck.log" | sed 's/^/shipdeck-bench /' || true
