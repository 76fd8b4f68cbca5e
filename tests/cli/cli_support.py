"""What the command-line test scripts in tests/cli share: pass/fail bookkeeping, starting a
program that listens on a free loopback port, and raw SMQ framing.

check(name, ok, detail) prints one line per check; finish(label) prints the totals and
exits 1 when any check failed.
"""
import re
import struct
import subprocess
import sys
import threading
import time

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {name} {detail}", flush=True)


def finish(label):
    print(f"{label}: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def start_listening(argv, port_pattern=r"listening on 127\.0\.0\.1:(\d+)", drain=False):
    """Starts argv, which must make the program listen on 127.0.0.1:0, and returns
    (process, port) once a line of its stderr matches port_pattern. With drain=True a thread
    then reads the rest of stderr, so a chatty program never blocks on a full pipe; without
    it the caller may read stderr itself (for example after the process exits)."""
    proc = subprocess.Popen(argv, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 10
    while time.time() < deadline:
        line = proc.stderr.readline()
        m = re.search(port_pattern, line)
        if m:
            if drain:
                threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, int(m.group(1))
        if not line and proc.poll() is not None:
            break
    proc.kill()
    proc.wait(timeout=10)
    raise RuntimeError(f"{argv[0]} did not report its port")


def frame(ptype, body=b""):
    """One raw-framed SMQ packet: [u16 length][type][body]."""
    return struct.pack(">HB", len(body) + 3, ptype) + body


def exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_frame(sock):
    """The next raw SMQ packet (type byte + body)."""
    (length,) = struct.unpack(">H", exact(sock, 2))
    return exact(sock, length - 2)
