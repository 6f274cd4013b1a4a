#!/usr/bin/env python3
"""Measures what the real `shipdeck` binary writes to a terminal, next to htop as a reference.

Each program runs under its own pseudo-terminal (200x60, TERM=xterm-256color, LANG=C.UTF-8,
HOME and XDG_DATA_HOME in a temporary folder) and every byte it writes to the terminal is counted:

  (a) startup: time from exec to the end of the first frame, and the bytes of that frame;
  (b) an idle window (10 s by default): bytes per second, writes per second, CPU time
      (utime+stime of the process and its waited-for children, from /proc/PID/stat) and
      context switches of all its threads (how often it woke up);
  (c) one key that moves the selection by one row (`j` in Shipdeck, Down in htop): bytes and
      latency to the first byte of the answer.

htop (`htop -d 20`, redraw every 2 s) runs at the same time, in the same conditions, as the
baseline; the table gives Shipdeck/htop ratios. Prints a Markdown table; `--json FILE` saves the
figures, `--keep DIR` keeps the raw terminal output of each phase.

Usage: scripts/bench-terminal.py [--binary PATH] [--idle SECONDS] [--cols 200] [--rows 60]
                                 [--no-htop] [--json FILE] [--keep DIR]
Standard library only (pty, fcntl, termios, select).
"""

import argparse
import fcntl
import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
# The first frame ends at the first gap this long in the output (ncurses writes a frame in one
# doupdate, i.e. a few back-to-back write()s).
FRAME_GAP = 0.15


class Session:
    """A program on its own pty, with a thread that timestamps every chunk it writes."""

    def __init__(self, name, argv, env, cols, rows, cwd=None):
        self.name = name
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

        def child_setup():
            # New session with the pty as controlling terminal, so the program can open /dev/tty.
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.chunks = []  # (monotonic time, bytes)
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                                     preexec_fn=child_setup, close_fds=True)
        os.close(slave)
        self.closed = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.5)
                if not ready:
                    if self.proc.poll() is not None:
                        break
                    continue
                data = os.read(self.master, 65536)
            except OSError:
                break
            if not data:
                break
            now = time.monotonic()
            with self.lock:
                self.chunks.append((now, data))
        self.closed = True

    def send(self, data):
        os.write(self.master, data)

    def snapshot(self):
        with self.lock:
            return list(self.chunks)

    def bytes_between(self, t0, t1):
        chunks = [c for c in self.snapshot() if t0 <= c[0] < t1]
        return sum(len(c[1]) for c in chunks), len(chunks), b"".join(c[1] for c in chunks)

    def wait_first_frame(self, timeout=30.0):
        """Seconds from exec to the end of the first burst of output, and that burst."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunks = self.snapshot()
            if chunks and time.monotonic() - chunks[-1][0] >= FRAME_GAP:
                burst = [chunks[0]]
                for c in chunks[1:]:
                    if c[0] - burst[-1][0] >= FRAME_GAP:
                        break
                    burst.append(c)
                data = b"".join(c[1] for c in burst)
                return burst[-1][0] - self.started, burst[0][0] - self.started, data, burst[-1][0]
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode} before its first frame: "
                                   f"{b''.join(c[1] for c in chunks)[-2000:]!r}")
            time.sleep(0.01)
        raise RuntimeError(f"{self.name}: no first frame within {timeout} s")

    def wait_quiet(self, quiet=0.3, timeout=5.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunks = self.snapshot()
            last = chunks[-1][0] if chunks else self.started
            if time.monotonic() - last >= quiet:
                return
            time.sleep(0.02)

    def wait_next_chunk(self, timeout=3.0):
        """Waits for the next write (e.g. the clock tick); returns its time."""
        count = len(self.snapshot())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunks = self.snapshot()
            if len(chunks) > count:
                time.sleep(0.02)  # let the rest of that frame arrive
                return chunks[count][0]
            time.sleep(0.005)
        return None

    def pids(self):
        """The process and its descendants alive now."""
        children = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except (OSError, IndexError):
                continue
        result, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            result.append(pid)
            todo.extend(children.get(pid, []))
        return result

    def cpu_seconds(self):
        """utime+stime (+cutime+cstime) of the process and its live descendants, in seconds."""
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                # After the comm field: fields[11..14] are utime, stime, cutime, cstime.
                total += sum(int(x) for x in fields[11:15])
            except (OSError, IndexError):
                continue
        return total / CLK_TCK

    def context_switches(self):
        """Context switches per thread id (voluntary + involuntary) of the process and descendants."""
        counts = {}
        for pid in self.pids():
            try:
                tasks = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for task in tasks:
                try:
                    with open(f"/proc/{pid}/task/{task}/status") as f:
                        counts[int(task)] = sum(int(line.split()[1]) for line in f
                                                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")))
                except OSError:
                    continue
        return counts

    @staticmethod
    def switches_between(before, after):
        """Switches made in between by the threads alive at the end (threads that ended are not counted)."""
        return sum(count - before.get(tid, 0) for tid, count in after.items())

    def cpu_ns_by_thread(self):
        """Nanoseconds on CPU per thread (/proc/PID/task/TID/schedstat), finer than clock ticks."""
        times = {}
        for pid in self.pids():
            try:
                tasks = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for task in tasks:
                try:
                    with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                        times[int(task)] = int(f.read().split()[0])
                except (OSError, ValueError, IndexError):
                    continue
        return times

    def threads(self):
        try:
            return len(os.listdir(f"/proc/{self.proc.pid}/task"))
        except OSError:
            return 0

    def stop(self, quit_keys):
        for key, pause in quit_keys:
            if self.proc.poll() is not None:
                break
            try:
                self.send(key)
            except OSError:
                break
            try:
                self.proc.wait(pause)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(2)
        try:
            os.close(self.master)
        except OSError:
            pass


def measure(session, idle, move_key, keep, window_start_barrier=None):
    """Runs phases (a)-(c) on a started session; returns a dict of figures."""
    r = {"name": session.name}
    first_end, first_start, frame, frame_end = session.wait_first_frame()
    r["first_byte_s"] = first_start
    r["first_frame_s"] = first_end
    r["first_frame_bytes"] = len(frame)
    if keep:
        open(os.path.join(keep, f"{session.name}-first-frame.bin"), "wb").write(frame)
    # Let start-up work (loading, first events) finish before the idle window.
    time.sleep(2.0)
    if window_start_barrier is not None:
        window_start_barrier.wait()
    cpu0, ns0, ctx0, t0 = session.cpu_seconds(), session.cpu_ns_by_thread(), session.context_switches(), time.monotonic()
    time.sleep(idle)
    cpu1, ns1, ctx1, t1 = session.cpu_seconds(), session.cpu_ns_by_thread(), session.context_switches(), time.monotonic()
    total, writes, data = session.bytes_between(t0, t1)
    span = t1 - t0
    r["idle_s"] = span
    r["idle_bytes"] = total
    r["idle_bytes_per_s"] = total / span
    r["idle_writes_per_s"] = writes / span
    r["idle_cpu_s"] = cpu1 - cpu0
    r["idle_cpu_percent"] = 100 * (cpu1 - cpu0) / span
    r["idle_cpu_ms_schedstat"] = Session.switches_between(ns0, ns1) / 1e6
    r["idle_ctx_switches_per_s"] = Session.switches_between(ctx0, ctx1) / span
    r["threads_started_in_window"] = len(set(ctx1) - set(ctx0))
    r["threads"] = session.threads()
    if keep:
        open(os.path.join(keep, f"{session.name}-idle.bin"), "wb").write(data)
    # (c) one key right after a redraw, so the next periodic redraw is as far away as possible.
    session.wait_next_chunk(timeout=3.0)
    session.wait_quiet(quiet=0.05, timeout=1.0)
    before = len(session.snapshot())
    sent = time.monotonic()
    session.send(move_key)
    time.sleep(0.4)
    after = session.snapshot()[before:]
    answer = [c for c in after if c[0] - sent < 0.4]
    r["key_bytes"] = sum(len(c[1]) for c in answer)
    r["key_latency_ms"] = 1000 * (answer[0][0] - sent) if answer else None
    if keep:
        open(os.path.join(keep, f"{session.name}-key.bin"), "wb").write(b"".join(c[1] for c in answer))
    return r


def build_env(home, term, lang):
    env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "COLUMNS", "LINES", "NO_COLOR", "SHIPDECK_ENV")}
    # Idle means nothing changing: the demo's first builds (and the deploys they start) stay off.
    env.update({"SHIPDECK_DEMO_BUILDS": "0", "TERM": term, "LANG": lang, "LC_ALL": lang, "HOME": home, "XDG_DATA_HOME": os.path.join(home, "data"),
                "XDG_CONFIG_HOME": os.path.join(home, "config"), "XDG_CACHE_HOME": os.path.join(home, "cache")})
    for d in ("data", "config", "cache"):
        os.makedirs(os.path.join(home, d), exist_ok=True)
    return env


def fmt(value, digits=1):
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def ratio(a, b):
    if a is None or b is None:
        return "—"
    if b == 0:
        return "∞" if a else "—"
    return f"{a / b:.2f}×"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--binary", default=os.path.join(root, ".build", "release", "shipdeck"))
    parser.add_argument("--idle", type=float, default=10.0, help="idle window in seconds (default 10)")
    parser.add_argument("--cols", type=int, default=200)
    parser.add_argument("--rows", type=int, default=60)
    parser.add_argument("--term", default="xterm-256color")
    parser.add_argument("--lang", default="C.UTF-8")
    parser.add_argument("--no-htop", action="store_true", help="measure Shipdeck alone")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--keep", help="keep the raw terminal output of each phase in this folder")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)

    if not os.access(args.binary, os.X_OK):
        sys.exit(f"no executable at {args.binary}; build it first (scripts/bench-terminal.sh does)")
    htop = None if args.no_htop else shutil.which("htop")
    if not args.no_htop and htop is None:
        sys.exit("htop is not installed (apt-get install -y htop), or pass --no-htop")
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)

    with tempfile.TemporaryDirectory(prefix="shipdeck-bench-") as tmp:
        ship_home, htop_home = os.path.join(tmp, "shipdeck-home"), os.path.join(tmp, "htop-home")
        ship_env, htop_env = build_env(ship_home, args.term, args.lang), build_env(htop_home, args.term, args.lang)
        demo = os.path.join(tmp, "demo")
        created = subprocess.run([args.binary, "demo", "--dir", demo, "--create-only"], env=ship_env,
                                 capture_output=True, text=True, timeout=120)
        if created.returncode != 0:
            sys.exit(f"shipdeck demo --create-only failed ({created.returncode}): {created.stderr}")

        sessions = [("shipdeck", [args.binary, "demo", "--dir", demo], ship_env, b"j",
                     [(b"q", 2.0), (b"y", 2.0)])]
        if htop:
            sessions.append(("htop", [htop, "-d", "20"], htop_env, b"\x1b[B", [(b"q", 3.0)]))

        results, errors = {}, {}
        barrier = threading.Barrier(len(sessions))

        def run(name, argv, env, key, quit_keys):
            try:
                session = Session(name, argv, env, args.cols, args.rows, cwd=tmp)
            except Exception as error:
                errors[name] = error
                barrier.abort()
                return
            try:
                results[name] = measure(session, args.idle, key, args.keep, barrier)
            except Exception as error:  # report, and release the other session's barrier
                errors[name] = error
                barrier.abort()
            finally:
                session.stop(quit_keys)
                if name in results:
                    results[name]["exit_code"] = session.proc.returncode

        threads = [threading.Thread(target=run, args=s) for s in sessions]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            for name, error in errors.items():
                print(f"{name}: {error}", file=sys.stderr)
            sys.exit(1)

    load = open("/proc/loadavg").read().split()[:3]
    s, h = results["shipdeck"], results.get("htop")
    print(f"## Terminal output of the real binary — {args.cols}×{args.rows}, TERM={args.term}, LANG={args.lang}\n")
    print(f"Both programs ran at the same time, each on its own pty; idle window {args.idle:g} s; "
          f"{os.cpu_count()} cores, load average {' '.join(load)} at the end (other builds may share the CPU). "
          f"Shipdeck: `{os.path.relpath(args.binary, root)} demo --dir TMP`; htop {'`htop -d 20`' if h else 'not run'}.\n")
    rows = [
        ("(a) time to first frame, s", "first_frame_s", 3),
        ("(a) first frame, bytes", "first_frame_bytes", 0),
        ("(b) idle bytes/s", "idle_bytes_per_s", 1),
        ("(b) idle writes/s", "idle_writes_per_s", 2),
        ("(b) idle CPU, s in window (/proc/PID/stat utime+stime)", "idle_cpu_s", 2),
        ("(b) idle CPU, % of one core (same, 10 ms ticks)", "idle_cpu_percent", 2),
        ("(b) idle CPU, ms in window (schedstat, ns)", "idle_cpu_ms_schedstat", 2),
        ("(b) idle context switches/s (all threads)", "idle_ctx_switches_per_s", 1),
        ("threads at the end / started during the idle window", None, 0),
        ("(c) bytes after one move key", "key_bytes", 0),
        ("(c) key → first byte, ms", "key_latency_ms", 1),
    ]
    print("| measure | Shipdeck | htop | Shipdeck / htop |")
    print("| --- | ---: | ---: | ---: |")
    for label, key, digits in rows:
        if key is None:
            pair = lambda r: f"{r['threads']} / {r['threads_started_in_window']}" if r else "—"
            print(f"| {label} | {pair(s)} | {pair(h)} | — |")
            continue
        sv = s.get(key)
        hv = h.get(key) if h else None
        print(f"| {label} | {fmt(sv, digits)} | {fmt(hv, digits)} | {ratio(sv, hv) if h else '—'} |")
    print(f"\nMove key: Shipdeck `j`, htop Down. Exit codes: Shipdeck {s.get('exit_code')}"
          + (f", htop {h.get('exit_code')}" if h else "") + ".")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"cols": args.cols, "rows": args.rows, "idle": args.idle, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()
