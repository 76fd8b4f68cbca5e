#!/usr/bin/env python3
"""Process-level tests of the executables, as an operator and a device would use them.

smq-broker: --help, --version, bad options, starts on a free loopback port, serves the
bundled page, speaks raw SMQ, and exits cleanly on SIGTERM (clients get Disconnect
"shutdown"); SIGHUP without --config is logged and ignored, with it reloads the file;
SIGPIPE ignored; SIGUSR2 drains (clients told, /healthz 503, exit 0); --log-format json writes one JSON object per line. hello5: a raw SMQ client publishes to "hello" and receives five replies about
one second apart. Loopback only; every wait is bounded.

Usage: cli_test.py BUILD_DIR
"""
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request

from cli_support import check, finish, frame, read_frame, start_listening, start_logged

BUILD = sys.argv[1]
BROKER = os.path.join(BUILD, "broker", "smq-broker")
HELLO5 = os.path.join(BUILD, "broker", "hello5")


def start(binary, *args):
    return start_listening([binary, "--listen", "127.0.0.1:0", *args])


def raw_connect(port, uid):
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"GET / HTTP/1.0\r\nHost: localhost\r\nSimpleMQ: 1\r\n"
                 b"User-Agent: SimpleMQ/1\r\n\r\n")
    init = read_frame(sock)
    assert init[0] == 1 and init[1] == 1, init
    sock.sendall(frame(2, b"\x02\x00\x00" + bytes([len(uid)]) + uid + b"\x00"))
    connack = read_frame(sock)
    assert connack[:2] == b"\x03\x00" and len(connack) == 6, connack
    return sock, struct.unpack(">I", connack[2:6])[0]


def test_broker():
    out = subprocess.run([BROKER, "--help"], capture_output=True, text=True, timeout=10)
    check("--help", out.returncode == 0 and "--listen" in out.stdout)
    check("--help lists --write-deadline", "--write-deadline MS" in out.stdout)
    out = subprocess.run([BROKER, "--version"], capture_output=True, text=True, timeout=10)
    check("--version", out.returncode == 0 and out.stdout.startswith("smq-broker "))
    out = subprocess.run([BROKER, "--bogus"], capture_output=True, text=True, timeout=10)
    check("unknown option", out.returncode == 2 and "--bogus" in out.stderr)
    import tempfile
    with tempfile.NamedTemporaryFile() as not_a_dir:
        for args, what in (
            (["--listen", "nonsense"], "--listen: bad listen address"),
            (["--listen", "1.2.3:99999"], "--listen: bad port"),
            (["--listen", "1.2.3:80"], "--listen: bad host"),
            (["--tls-listen", "nonsense"], "--tls-listen: bad listen address"),
            (["--web-root", "/nonexistent/smq-web-root"], "is not a directory (missing)"),
            (["--web-root", not_a_dir.name], "is not a directory"),
            (["--smq-path", "smq"], "--smq-path (smq_path) must start with '/'"),
            (["--write-deadline", "0"], "--write-deadline needs a positive number"),
        ):
            out = subprocess.run([BROKER, *args], capture_output=True, text=True, timeout=10)
            check(f"refuses {' '.join(args)}: exit 2 and says why",
                  out.returncode == 2 and what in out.stderr and "listening" not in out.stderr,
                  f"exit {out.returncode}: {out.stderr.strip()}")

    proc, port = start(BROKER)
    try:
        # The built web app when present, else the bundled page: an HTML page either way.
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
        check("front page", page.status == 200 and b"smq" in page.read()
              and page.headers["Content-Type"].startswith("text/html"))
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/missing", timeout=5)
            check("404", False)
        except urllib.error.HTTPError as e:
            check("404", e.code == 404)
        sock, etid = raw_connect(port, b"cli-device-1")
        sock.sendall(frame(12))
        check("ping/pong", read_frame(sock) == b"\x0d")
        proc.send_signal(signal.SIGTERM)
        bye = read_frame(sock)
        check("shutdown disconnect", bye == b"\x0bshutdown", repr(bye))
        code = proc.wait(timeout=10)
        check("clean exit on SIGTERM", code == 0, f"exit {code}")
    finally:
        if proc.poll() is None:
            proc.kill()


def test_signals():
    """SIGHUP (twice) is logged and ignored, SIGPIPE is ignored; the broker keeps serving and
    SIGTERM still ends it with status 0."""
    proc, port, log = start_logged([BROKER, "--listen", "127.0.0.1:0"])
    try:
        hup = r"SIGHUP: nothing to reload \(no --config file\); carrying on"
        proc.send_signal(signal.SIGHUP)
        check("SIGHUP logged", log.wait_for(hup, 1), log.text()[-2000:])
        proc.send_signal(signal.SIGHUP)
        check("second SIGHUP logged", log.wait_for(hup, 2), log.text()[-2000:])
        proc.send_signal(signal.SIGPIPE)
        # The connection round trip below is handled after the signal was delivered, so a
        # broker killed by SIGPIPE would have refused or dropped it.
        try:
            sock, _ = raw_connect(port, b"cli-after-signals")
            sock.sendall(frame(12))
            check("serves after SIGHUP and SIGPIPE", read_frame(sock) == b"\x0d")
            sock.close()
        except (OSError, EOFError, AssertionError) as e:
            check("serves after SIGHUP and SIGPIPE", False, repr(e))
        check("alive after SIGHUP and SIGPIPE", proc.poll() is None, f"exit {proc.poll()}")
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
        check("SIGTERM after SIGHUP exits 0", code == 0, f"exit {code}")
        check("'stopped' is the last line", log.wait_for(r"\bstopped$", 1)
              and log.lines[-1].rstrip().endswith("stopped"), log.text()[-2000:])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_lame_duck():
    """SIGUSR2: the listener closes, /healthz says 503 "draining", the connected clients get
    Disconnect "shutdown" (one at once, the other about half the duration later, so the
    checks between run while the broker still drains), and the process exits 0 by itself; a
    second SIGUSR2 is harmless."""
    proc, port, log = start_logged([BROKER, "--listen", "127.0.0.1:0", "--monitor", "127.0.0.1:0",
                                    "--lame-duck-duration", "4000"])
    try:
        monitor_line = r"monitoring on 127\.0\.0\.1:(\d+)"
        check("monitor address logged", log.wait_for(monitor_line, timeout=5), log.text()[-2000:])
        mport = int(re.search(monitor_line, log.text()).group(1))
        socks = [raw_connect(port, uid)[0] for uid in (b"cli-lame-duck-1", b"cli-lame-duck-2")]
        proc.send_signal(signal.SIGUSR2)
        check("drain logged", log.wait_for(r"lame duck: stopped accepting; ending 2 connections "
                                           r"over 4000 ms", timeout=5), log.text()[-2000:])
        proc.send_signal(signal.SIGUSR2)
        check("second SIGUSR2 logged", log.wait_for("a lame-duck drain is already under way",
                                                    timeout=5), log.text()[-2000:])
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{mport}/healthz", timeout=5)
            check("/healthz 503 while draining", False, "got 200")
        except urllib.error.HTTPError as e:
            check("/healthz 503 while draining", e.code == 503 and b"draining" in e.read())
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            check("listener closed", False, "a new connection was accepted")
        except OSError:
            check("listener closed", True)
        for n, sock in enumerate(socks, 1):
            disconnect = read_frame(sock)  # bounded by the socket's 5 s timeout
            check(f"client {n} told Disconnect \"shutdown\"", disconnect == b"\x0bshutdown",
                  repr(disconnect))
            sock.close()
        code = proc.wait(timeout=10)
        check("exits 0 after the drain", code == 0, f"exit {code}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def test_hello5_flag():
    proc, port, log = start_logged([BROKER, "--listen", "127.0.0.1:0", "--hello5"])
    try:
        check("--hello5 logs that the demo is active", log.wait_for(r"hello5 demo active"),
              log.text()[-2000:])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    proc, port, log = start_logged([BROKER, "--listen", "127.0.0.1:0"])
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)
    log.wait_for(r"\bstopped$")
    check("no hello5 line without --hello5", log.count(r"hello5") == 0, log.text()[-2000:])


def test_web_root():
    import tempfile
    with tempfile.TemporaryDirectory() as root:
        with open(os.path.join(root, "index.html"), "w") as f:
            f.write("<p>from the web root</p>")
        proc, port = start(BROKER, "--web-root", root)
        try:
            page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
            check("--web-root serves its index", page.read() == b"<p>from the web root</p>")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/../etc/passwd", timeout=5)
                check("no traversal", False)
            except urllib.error.HTTPError as e:
                check("no traversal", e.code in (400, 404))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)


def test_config_file():
    """--config FILE: the annotated example passes --check; a broken file is refused with its
    line and key (exit 2); a broker started from a file listens where the file says, and the
    command line overrides the file."""
    import tempfile
    example = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "smq.toml")
    out = subprocess.run([BROKER, "--config", example, "--check"], capture_output=True,
                         text=True, timeout=10)
    check("docs/smq.toml passes --check", out.returncode == 0 and "settings are valid" in out.stdout,
          f"exit {out.returncode}: {out.stdout.strip()} {out.stderr.strip()}")
    with tempfile.TemporaryDirectory() as d:
        bad = os.path.join(d, "bad.toml")
        with open(bad, "w") as f:
            f.write('log_level = "info"\nmax_connectoins = 5\n')
        for args in (["--check"], []):
            out = subprocess.run([BROKER, "--config", bad, *args], capture_output=True,
                                 text=True, timeout=10)
            check(f"misspelt key refused {' '.join(args)}: exit 2 with file, line and key",
                  out.returncode == 2 and f"{bad}:2: unknown key 'max_connectoins'" in out.stderr
                  and "listening" not in out.stderr, f"exit {out.returncode}: {out.stderr.strip()}")
        tls = os.path.join(d, "tls.toml")
        with open(tls, "w") as f:
            f.write('tls_listen = ["127.0.0.1:0"]\ntls_cert = "missing.pem"\ntls_key = "missing.key"\n')
        out = subprocess.run([BROKER, "--config", tls, "--check"], capture_output=True,
                             text=True, timeout=10)
        check("--check loads the TLS files (relative to the file)",
              out.returncode == 2 and os.path.join(d, "missing.pem") in out.stderr,
              f"exit {out.returncode}: {out.stderr.strip()}")
        good = os.path.join(d, "smq.toml")
        with open(good, "w") as f:
            f.write('listen = ["127.0.0.1:0"]\nlog_level = "debug"\nstats_interval = 0\n')
        proc, port, log = start_logged([BROKER, "--config", good])
        try:
            sock, _ = raw_connect(port, b"cli-config-1")
            check("broker from a config file serves", sock is not None)
            sock.close()
            check("the file's log level applies", log.wait_for(r"debug .*read ended", 1, timeout=5),
                  log.text()[-2000:])
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
        proc, port, log = start_logged([BROKER, "--config", good, "--log-level", "info"])
        try:
            sock, _ = raw_connect(port, b"cli-config-2")
            sock.sendall(frame(12))
            read_frame(sock)
            sock.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
        log.wait_for(r"\bstopped$")
        check("the command line overrides the file", log.count(r"connected from") == 0,
              log.text()[-2000:])


def connack_of(port, uid):
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"GET / HTTP/1.0\r\nSimpleMQ: 1\r\n\r\n")
    read_frame(sock)  # Init
    sock.sendall(frame(2, b"\x02\x00\x00" + bytes([len(uid)]) + uid + b"\x00"))
    return sock, read_frame(sock)


def test_reload():
    """SIGHUP with --config: new limits apply to new requests, connected clients stay, what
    cannot change is named, a broken file is rejected and the running configuration stays."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "smq.toml")
        with open(path, "w") as f:
            f.write('listen = ["127.0.0.1:0"]\nmax_connections = 10\nstats_interval = 0\n')
        proc, port, log = start_logged([BROKER, "--config", path])
        try:
            first, _ = raw_connect(port, b"cli-reload-1")
            with open(path, "w") as f:
                f.write('listen = ["127.0.0.1:0", "[::1]:0"]\nmax_connections = 1\n'
                        'stats_interval = 0\nlog_level = "warn"\n')
            proc.send_signal(signal.SIGHUP)
            check("reload logs the new limit", log.wait_for(r"reload: max_connections: 10 -> 1"),
                  log.text()[-2000:])
            check("reload names what cannot change",
                  log.wait_for(r"reload: listen: cannot change while running"), log.text()[-2000:])
            first.sendall(frame(12))
            check("connected client stays after reload", read_frame(first) == b"\x0d")
            second, connack = connack_of(port, b"cli-reload-2")
            check("new limit applies to new clients", connack[:2] == b"\x03\x02"
                  and connack.endswith(b"server busy"), repr(connack))
            second.close()
            with open(path, "w") as f:
                f.write('max_connections = "lots"\n')
            proc.send_signal(signal.SIGHUP)
            check("broken file rejected with its line",
                  log.wait_for(r"reload rejected, the running configuration stays: .*smq.toml:1: "
                               r"key 'max_connections'"), log.text()[-2000:])
            third, connack = connack_of(port, b"cli-reload-3")
            check("running configuration stays after a rejected reload",
                  connack[:2] == b"\x03\x02", repr(connack))
            third.close()
            first.sendall(frame(12))
            check("connected client stays after a rejected reload", read_frame(first) == b"\x0d")
            first.close()
        finally:
            proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=10)
        check("exit 0 after reloads", code == 0, f"exit {code}")


def test_json_log():
    """--log-format json: every line is one JSON object with an RFC 3339 time (milliseconds,
    zone), the level and the message; a client's connection opened and closed lines carry
    its etid, uid, address, transport and the reason it ended."""
    import json
    proc, port, log = start_logged([BROKER, "--listen", "127.0.0.1:0", "--log-format", "json"])
    try:
        sock, etid = raw_connect(port, b"json-log-device")
        sock.sendall(frame(11))  # Disconnect
        sock.close()
        check("json log: close line", log.wait_for(r'"msg":"connection closed"'), log.text())
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        log.wait_for(r'"msg":"stopped"', timeout=5)
        objects, bad = [], []
        for line in log.text().splitlines():
            try:
                objects.append(json.loads(line))
            except ValueError:
                bad.append(line)
        check("json log: every line is a JSON object", not bad and objects, repr(bad[:3]))
        stamp = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$"
        check("json log: time, level, msg in each",
              all(re.match(stamp, o.get("time", "")) and o.get("level") and "msg" in o
                  for o in objects), repr(objects[:2]))
        opened = [o for o in objects if o.get("msg") == "connection opened"]
        closed = [o for o in objects if o.get("msg") == "connection closed"]
        want = {"etid": f"{etid:#x}", "uid": "json-log-device", "address": "127.0.0.1"}
        check("json log: opened line with fields",
              len(opened) == 1 and all(opened[0].get(k) == v for k, v in want.items())
              and opened[0].get("transport") == "raw", repr(opened))
        check("json log: closed line with the reason",
              len(closed) == 1 and all(closed[0].get(k) == v for k, v in want.items())
              and closed[0].get("reason") == "client disconnect", repr(closed))
    finally:
        if proc.poll() is None:
            proc.kill()


def test_hello5():
    proc, port = start(HELLO5)
    try:
        sock, etid = raw_connect(port, b"cli-device-2")
        sock.sendall(frame(6, b"hello"))
        ack = read_frame(sock)
        check("create hello", ack[0] == 7 and ack[1] == 0 and ack[6:] == b"hello")
        tid = ack[2:6]
        sock.sendall(frame(8, tid + struct.pack(">I", etid) + b"\x00\x00\x00\x00device"))
        times = []
        for n in range(1, 6):
            msg = read_frame(sock)
            times.append(time.monotonic())
            dest, ptid, subtid = struct.unpack(">III", msg[1:13])
            expected = f"Hello, you said 'device' ({n} of 5)".encode()
            check(f"hello5 reply {n}", msg[0] == 8 and dest == etid and ptid == 1
                  and msg[13:] == expected, repr(msg))
        gaps = [b - a for a, b in zip(times, times[1:])]
        check("replies one second apart", all(0.8 < g < 1.5 for g in gaps), repr(gaps))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


test_broker()
test_signals()
test_lame_duck()
test_hello5_flag()
test_web_root()
test_config_file()
test_reload()
test_json_log()
test_hello5()
finish("cli")
