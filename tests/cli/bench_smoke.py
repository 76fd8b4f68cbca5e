#!/usr/bin/env python3
"""Smoke test of smq-bench, the load generator: its results are right, not fast.

Against a real smq-broker on a free loopback port, every scenario (fanout, fanin, pairs,
reqrep, idle) over both transports (WebSocket and raw TCP, same port) runs briefly and must
exit 0 with a JSON report that says every message arrived exactly once and in order, with
consistent counts, latencies and broker readings (--broker-pid). A fixed-rate run must be
paced near the offered rate (loosely: it checks the pacing, not the machine). A bad option,
and a port nobody listens on, must exit 2. No speed is asserted. Loopback only; every wait
is bounded.

Usage: bench_smoke.py SMQ_BROKER SMQ_BENCH
"""
import json
import signal
import socket
import subprocess
import sys
import time

from cli_support import check, finish, start_listening

BROKER = sys.argv[1]
BENCH = sys.argv[2]
RUN_TIMEOUT = 60


def start_broker():
    """smq-broker on 127.0.0.1:0: (process, port); its stderr is drained from then on."""
    # Saturation runs send far above the per-connection rate limits, which exist for
    # deployments; the load generator measures the broker without them.
    return start_listening([BROKER, "--listen", "127.0.0.1:0", "--max-messages-per-second", "0",
                            "--max-bytes-per-second", "0"], drain=True)


def stop_broker(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def closed_port():
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench(*args):
    """Runs smq-bench; returns (exit status, stdout, stderr), or (None, ...) on timeout."""
    try:
        out = subprocess.run([BENCH, *map(str, args)], capture_output=True, text=True,
                             timeout=RUN_TIMEOUT)
        return out.returncode, out.stdout, out.stderr
    except subprocess.TimeoutExpired as e:
        def text(b):
            return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")
        return None, text(e.stdout), text(e.stderr)


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def run_json(broker, port, *args):
    """Runs smq-bench --json - against the broker; returns the parsed report, or the list of
    problems when the run failed or its report does not parse."""
    code, stdout, stderr = bench("--port", port, "--broker-pid", broker.pid, "--json", "-", *args)
    if code is None:
        return None, [f"no exit within {RUN_TIMEOUT} s"], stderr
    try:
        report = json.loads(stdout)
    except ValueError as e:
        return None, [f"exit {code}", f"JSON does not parse ({e}): {stdout[-500:]!r}"], stderr
    problems = [] if code == 0 else [f"exit {code}"]
    return report, problems, stderr


def verify(report, scenario, clients):
    """What every report must say: all delivered, once, in order, and consistent counts."""
    problems = []

    def need(cond, what):
        if not cond:
            problems.append(what)

    need(report.get("ok") is True, f"ok={report.get('ok')} errors={report.get('errors')}")
    for key in ("lost", "duplicates", "out_of_order"):
        need(report.get(key) == 0, f"{key}={report.get(key)}")
    deliveries, expected = report.get("deliveries"), report.get("expected")
    need(is_number(deliveries) and deliveries > 0, f"deliveries={deliveries}")
    need(deliveries == expected, f"deliveries={deliveries} != expected={expected}")
    if scenario != "idle":
        need(is_number(report.get("measured_deliveries")) and report["measured_deliveries"] > 0,
             f"measured_deliveries={report.get('measured_deliveries')}")
        lat = report.get("latency_us") or {}
        need(is_number(lat.get("count")) and lat["count"] > 0, f"latency count={lat.get('count')}")
        p50, p99, top = lat.get("p50"), lat.get("p99"), lat.get("max")
        need(all(is_number(v) for v in (p50, p99, top)) and p50 <= p99 <= top,
             f"latency p50={p50} p99={p99} max={top}")
    if scenario == "fanout":
        published = report.get("published")
        need(is_number(published) and deliveries == published * clients,
             f"deliveries={deliveries} != published={published} x {clients}")
    if scenario == "idle":
        per_conn = report.get("rss_per_conn_bytes")
        need(is_number(per_conn) and per_conn > 0, f"rss_per_conn_bytes={per_conn}")
        need(deliveries == clients, f"deliveries={deliveries} != clients={clients}")
    rss = report.get("broker_rss_kib")
    need(is_number(rss) and rss > 0, f"broker_rss_kib={rss}")
    return problems


def report_check(name, problems, stderr, summary=""):
    detail = "; ".join(problems)
    if problems and stderr:
        detail += "\n  smq-bench stderr (end):\n    " + "\n    ".join(stderr.strip().splitlines()[-15:])
    check(f"{name}{summary if not problems else ''}", not problems, detail)


SCENARIOS = [("fanout", 20), ("fanin", 10), ("pairs", 10), ("reqrep", 10), ("idle", 200)]


def test_scenarios(broker, port):
    for transport in ("ws", "tcp"):
        for scenario, clients in SCENARIOS:
            name = f"{transport} {scenario} x{clients}"
            target, target_port, fresh = broker, port, None
            if scenario == "idle":
                # The RSS per idle connection is the growth of the broker's RSS: it is only
                # positive on a broker that has not already grown (and kept) its heap.
                fresh, target_port = start_broker()
                target = fresh
            try:
                started = time.monotonic()
                report, problems, stderr = run_json(
                    target, target_port, "--transport", transport, "--scenario", scenario,
                    "--clients", clients, "--duration", 0.5, "--warmup", 0.2)
            finally:
                if fresh:
                    stop_broker(fresh)
            if report is not None:
                problems += verify(report, scenario, clients)
            summary = ""
            if report is not None:
                summary = (f": {report.get('deliveries')} deliveries, "
                           f"{time.monotonic() - started:.1f} s")
            report_check(name, problems, stderr, summary)


def test_fixed_rate(broker, port):
    name = "tcp pairs x5 at --rate 2000"
    report, problems, stderr = run_json(broker, port, "--transport", "tcp",
                                        "--scenario", "pairs", "--clients", 5, "--rate", 2000,
                                        "--duration", 1, "--warmup", 0.2)
    rate = None
    if report is not None:
        if report.get("ok") is not True:
            problems.append(f"ok={report.get('ok')} errors={report.get('errors')}")
        rate = report.get("messages_per_s")
        if not (is_number(rate) and 1400 <= rate <= 2600):
            problems.append(f"messages_per_s={rate}, not within 30% of 2000")
    report_check(name, problems, stderr, f": {rate} msg/s")


def test_errors():
    code, _, stderr = bench("--port", closed_port(), "--bogus-option", "1")
    check("bad option exits 2", code == 2 and "--bogus-option" in stderr,
          f"exit {code}: {stderr[:300]!r}")
    port = closed_port()
    started = time.monotonic()
    try:
        out = subprocess.run([BENCH, "--port", str(port), "--transport", "tcp",
                              "--scenario", "pairs", "--clients", "2", "--duration", "0.5",
                              "--warmup", "0.2"], capture_output=True, text=True, timeout=30)
        code, stderr = out.returncode, out.stderr
    except subprocess.TimeoutExpired:
        code, stderr = None, "(no exit within 30 s)"
    elapsed = time.monotonic() - started
    check("closed port exits 2", code == 2, f"exit {code} after {elapsed:.1f} s: {stderr[-300:]!r}")


test_errors()
broker, port = start_broker()
try:
    test_scenarios(broker, port)
    test_fixed_rate(broker, port)
    check("broker still running", broker.poll() is None, f"exit {broker.poll()}")
finally:
    stop_broker(broker)
finish("bench_smoke")
