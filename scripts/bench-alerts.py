#!/usr/bin/env python3
"""Load generator and checks for scripts/bench-alerts.sh (standard library only).

  load     sends PagerDuty Events API v2 events to POST /v2/enqueue for --seconds at --rate events/s
           (0: as fast as --connections allow) over --keys dedup keys, and writes what the core must
           hold afterwards (per key: each incident's trigger count and state, in order) plus its own
           figures. Each key belongs to one connection, whose requests go one at a time, so the
           order of a key's events is the order they were sent; every request is awaited, so nothing
           is left in flight when it stops.
  verify   compares that expectation with the incident table of the workspace's SQLite store and
           with `shipdeck alert list --json` (the running core's open incidents).
  latency  times HARD health changes to their incidentUpdated events on the core's /v1/events stream.

Each key runs the same cycle of --cycle events: triggers, an acknowledge at 60 % of the cycle, more
triggers (appended to the acknowledged incident), and a resolve at the end; the next trigger opens a
new incident.
"""
import argparse
import asyncio
import json
import os
import sqlite3
import sys
import time
import urllib.parse
import urllib.request

SEVERITIES = ["critical", "error", "warning", "info"]


def step_action(step, cycle):
    position = step % cycle
    if position == cycle - 1:
        return "resolve"
    if position == int(cycle * 0.6):
        return "acknowledge"
    return "trigger"


def expected_incidents(events, cycle):
    """The incidents a key's first `events` events leave behind: [(trigger_count, state), …]."""
    incidents = []
    current = None
    for step in range(events):
        action = step_action(step, cycle)
        if action == "trigger":
            if current is None:
                current = [0, "triggered"]
                incidents.append(current)
            current[0] += 1
        elif action == "acknowledge" and current is not None:
            if current[1] == "triggered":
                current[1] = "acknowledged"
        elif action == "resolve" and current is not None:
            current[1] = "resolved"
            current = None
    return [tuple(incident) for incident in incidents]


def percentile(values, fraction):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def http_exchange(reader, writer, head, body):
    writer.write(head + body)
    header = await reader.readuntil(b"\r\n\r\n")
    status = int(header[9:12])
    length = 0
    for line in header.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    payload = await reader.readexactly(length) if length else b""
    return status, payload


async def run_load(args):
    url = urllib.parse.urlsplit(args.url)
    host, port = url.hostname, url.port
    keys = [f"{args.prefix}/{index:05d}" for index in range(args.keys)]
    sent = {key: 0 for key in keys}
    statuses = {}
    failures = []
    latencies = []
    interval = args.connections / args.rate if args.rate > 0 else 0.0
    started = time.monotonic()
    deadline = started + args.seconds

    def body_for(key, step):
        action = step_action(step, args.cycle)
        event = {"routing_key": args.routing_key, "event_action": action, "dedup_key": key}
        if action == "trigger":
            event["payload"] = {
                "summary": f"{key}: p99 above 2 s (event {step})",
                "source": f"host-{key[-3:]}.example.com",
                "severity": SEVERITIES[int(key[-5:]) % len(SEVERITIES)],
                "component": "api", "group": "bench", "class": "latency",
                "custom_details": {"step": step, "p99_ms": 2000 + step},
            }
        return json.dumps(event).encode()

    async def connection(index):
        own = keys[index::args.connections]
        if not own:
            return
        reader, writer = await asyncio.open_connection(host, port)
        head_start = f"POST /v2/enqueue HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\nContent-Length: "
        turn = 0
        next_at = started + (index / args.connections) * interval
        try:
            while True:
                now = time.monotonic()
                if now >= deadline:
                    break
                if interval:
                    if next_at > now:
                        await asyncio.sleep(next_at - now)
                    next_at += interval
                key = own[turn % len(own)]
                turn += 1
                body = body_for(key, sent[key])
                head = (head_start + f"{len(body)}\r\n\r\n").encode()
                begin = time.monotonic()
                try:
                    status, payload = await http_exchange(reader, writer, head, body)
                except (OSError, asyncio.IncompleteReadError) as error:
                    failures.append(f"{key}: {error!r}")
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
                    continue
                latencies.append(time.monotonic() - begin)
                statuses[status] = statuses.get(status, 0) + 1
                if status == 202:
                    sent[key] += 1
                elif len(failures) < 20:
                    failures.append(f"{key}: {status} {payload[:200]!r}")
        finally:
            writer.close()

    await asyncio.gather(*(connection(index) for index in range(args.connections)))
    wall = time.monotonic() - started
    total = sum(statuses.values())
    expectation = {key: expected_incidents(count, args.cycle) for key, count in sent.items()}
    actions = {"trigger": 0, "acknowledge": 0, "resolve": 0}
    for count in sent.values():
        for step in range(count):
            actions[step_action(step, args.cycle)] += 1
    result = {
        "requests": total, "accepted": statuses.get(202, 0), "statuses": statuses, "failures": failures,
        "wall": wall, "events_per_s": statuses.get(202, 0) / wall, "actions": actions,
        "p50_ms": percentile(latencies, 0.5) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000,
        "max_ms": max(latencies, default=0) * 1000,
        "incidents": sum(len(incidents) for incidents in expectation.values()),
        "expected": expectation, "sent": sent,
    }
    with open(args.out, "w") as handle:
        json.dump(result, handle)
    print(f"load requests={total} accepted={result['accepted']} wall={wall:.2f} events_per_s={result['events_per_s']:.1f} "
          f"p50_ms={result['p50_ms']:.2f} p99_ms={result['p99_ms']:.2f} max_ms={result['max_ms']:.1f} "
          f"incidents={result['incidents']} triggers={actions['trigger']} acks={actions['acknowledge']} resolves={actions['resolve']} "
          f"errors={total - result['accepted'] + len(failures)}")


def verify(args):
    with open(args.expected) as handle:
        result = json.load(handle)
    expected = {key: [tuple(incident) for incident in incidents] for key, incidents in result["expected"].items()}
    database = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    rows = database.execute(
        "SELECT dedupKey, state, json_extract(json, '$.triggerCount') FROM incident WHERE dedupKey LIKE ? ORDER BY id",
        (args.prefix + "/%",)).fetchall()
    stored = {}
    for key, state, triggers in rows:
        stored.setdefault(key, []).append((triggers, state))
    problems = []
    for key, incidents in expected.items():
        if stored.get(key, []) != incidents:
            problems.append(f"{key}: expected {incidents}, the store holds {stored.get(key, [])}")
    for key in stored.keys() - expected.keys():
        problems.append(f"{key}: in the store, never sent")
    with open(args.list_json) as handle:
        listed = {incident["dedupKey"]: incident for incident in json.load(handle) if incident["dedupKey"].startswith(args.prefix + "/")}
    open_expected = {key: incidents[-1] for key, incidents in expected.items() if incidents and incidents[-1][1] != "resolved"}
    for key, (triggers, state) in open_expected.items():
        incident = listed.get(key)
        if incident is None or (incident["triggerCount"], incident["state"]) != (triggers, state):
            got = incident and (incident["triggerCount"], incident["state"])
            problems.append(f"{key}: `shipdeck alert list --json` shows {got}, expected {(triggers, state)}")
    for key in listed.keys() - open_expected.keys():
        problems.append(f"{key}: listed open but should not be")
    stored_triggers = sum(triggers for incidents in stored.values() for triggers, _ in incidents)
    print(f"verify keys={len(expected)} incidents_expected={sum(map(len, expected.values()))} incidents_stored={len(rows)} "
          f"triggers_sent={result['actions']['trigger']} triggers_stored={stored_triggers} open_expected={len(open_expected)} "
          f"open_listed={len(listed)} mismatches={len(problems)}")
    for problem in problems[:10]:
        print("  " + problem, file=sys.stderr)
    return 0 if not problems and result["accepted"] == result["requests"] and not result["failures"] else 1


class EventStream:
    """The core's /v1/events (Server-Sent Events), read on a thread-free raw socket."""

    def __init__(self, url, token):
        self.url = urllib.parse.urlsplit(url)
        self.token = token
        self.arrivals = asyncio.Queue()

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection(self.url.hostname, self.url.port)
        self.writer.write(f"GET /v1/events HTTP/1.1\r\nHost: {self.url.netloc}\r\nAuthorization: Bearer {self.token}\r\n"
                          "Accept: text/event-stream\r\n\r\n".encode())
        await self.reader.readuntil(b"\r\n\r\n")
        self.task = asyncio.create_task(self.pump())

    async def pump(self):
        buffer = b""
        while True:
            chunk = await self.reader.read(1 << 20)
            if not chunk:
                return
            buffer += chunk
            while b"\n\n" in buffer:
                message, buffer = buffer.split(b"\n\n", 1)
                for line in message.split(b"\n"):
                    if line.startswith(b"data: "):
                        # Chunked transfer encoding puts sizes between messages; data lines are whole JSON.
                        try:
                            await self.arrivals.put((time.monotonic(), json.loads(line[6:])))
                        except ValueError:
                            pass

    async def wait_for(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no matching event")
            arrived, event = await asyncio.wait_for(self.arrivals.get(), remaining)
            if predicate(event):
                return arrived, event


def post_json(url, path, token, document):
    request = urllib.request.Request(url + path, data=json.dumps(document).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


async def run_latency(args):
    """Passive results are HARD at once: each sample sends CRITICAL for one instance (opening its
    incident) and OK afterwards (resolving it), and times the HARD healthChanged event and the
    incidentUpdated event that follows on the stream. One active sample breaks an instance's /health
    through the demo app and waits for its checks to go HARD."""
    stream = EventStream(args.url, args.token)
    await stream.open()
    loop = asyncio.get_running_loop()
    instances = args.instances.split(",")
    samples = {"open": [], "resolve": [], "post_to_incident": []}

    def health(event, instance, status):
        change = event.get("change", {}).get("healthChanged")
        return change and change["event"]["instance"] == instance and change["event"]["kind"] == "hard" and change["event"]["status"] == status

    def incident(event, instance, state):
        change = event.get("change", {}).get("incidentUpdated")
        return change and change["incident"]["dedupKey"] == f"health/{instance}" and change["incident"]["state"] == state

    for round_ in range(args.rounds):
        for instance in instances:
            service, environment = instance.split("-")[0], instance.split("-")[1]
            for status, code, state, bucket in (("critical", 2, "triggered", "open"), ("ok", 0, "resolved", "resolve")):
                posted = time.monotonic()
                await loop.run_in_executor(None, post_json, args.url, "/v1/checks/results", args.token,
                                           {"service": service, "environment": environment, "instance": instance, "status": status,
                                            "output": f"bench round {round_}"})
                # The HARD change (an active check may have made the recovery already) and then the incident.
                changed, _ = await stream.wait_for(lambda event: health(event, instance, code), 15)
                appeared, _ = await stream.wait_for(lambda event: incident(event, instance, state), 15)
                samples[bucket].append(appeared - changed)
                if bucket == "open":
                    samples["post_to_incident"].append(appeared - posted)
                await asyncio.sleep(0.2)
    active = None
    if args.admin_port:
        # The port is the orders test instance's own.
        instance = next(name for name in instances if name.startswith("orders-test-"))
        broken = time.monotonic()
        await loop.run_in_executor(None, lambda: urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{args.admin_port}/admin/health", data=b"critical", method="POST"), timeout=5).read())
        changed, _ = await stream.wait_for(lambda event: health(event, instance, 2), 120)
        appeared, _ = await stream.wait_for(lambda event: incident(event, instance, "triggered"), 10)
        await loop.run_in_executor(None, lambda: urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{args.admin_port}/admin/health", data=b"ok", method="POST"), timeout=5).read())
        active = (changed - broken, appeared - changed)
    for name, values in samples.items():
        values_ms = [value * 1000 for value in values]
        print(f"latency {name} samples={len(values_ms)} p50_ms={percentile(values_ms, 0.5):.2f} max_ms={max(values_ms, default=0):.2f}")
    if active:
        print(f"latency active broken_to_hard_s={active[0]:.2f} hard_to_incident_ms={active[1] * 1000:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load")
    load.add_argument("--url", required=True)
    load.add_argument("--routing-key", required=True)
    load.add_argument("--keys", type=int, default=500)
    load.add_argument("--cycle", type=int, default=40)
    load.add_argument("--seconds", type=float, default=30)
    load.add_argument("--rate", type=float, default=2000)
    load.add_argument("--connections", type=int, default=32)
    load.add_argument("--prefix", default="bench")
    load.add_argument("--out", required=True)
    check = commands.add_parser("verify")
    check.add_argument("--expected", required=True)
    check.add_argument("--db", required=True)
    check.add_argument("--list-json", required=True)
    check.add_argument("--prefix", default="bench")
    latency = commands.add_parser("latency")
    latency.add_argument("--url", required=True)
    latency.add_argument("--token", required=True)
    latency.add_argument("--instances", required=True, help="comma-separated instance ids")
    latency.add_argument("--rounds", type=int, default=2)
    latency.add_argument("--admin-port", type=int, default=0, help="the orders test instance's port, for one active-check sample")
    args = parser.parse_args()
    if args.command == "load":
        asyncio.run(run_load(args))
    elif args.command == "verify":
        sys.exit(verify(args))
    else:
        asyncio.run(run_latency(args))


if __name__ == "__main__":
    main()
